package templating

import (
	"testing"
	"time"
)

func TestDatePatterns(t *testing.T) {
	// A Tuesday afternoon, with a fraction that shows truncation.
	at := time.Date(2026, 3, 3, 14, 5, 9, 987654321, time.UTC)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		pattern, zone, want string
	}{
		{"yyyy-MM-dd HH:mm", "UTC", "2026-03-03 14:05"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "UTC", "2026-03-03T14:05:09.987Z"},
		{"yy M d H m s", "UTC", "26 3 3 14 5 9"},
		{"MMM MMMM", "UTC", "Mar March"},
		{"EEE EEEE", "UTC", "Tue Tuesday"},
		{"h:mm a", "UTC", "2:05 PM"},
		{"hh 'o''clock'", "UTC", "02 o'clock"},
		{"'literal text' yyyy", "UTC", "literal text 2026"},
		{"''", "UTC", "'"},
		{"SSSSSSSSS", "UTC", "987654321"},
		{"S", "UTC", "9"},
		{"D", "UTC", "62"},
		{"Q QQQ QQQQ", "UTC", "1 Q1 1st quarter"},
		{"XXX", "Europe/Paris", "+01:00"},
		{"XX X Z", "Europe/Paris", "+0100 +01 +0100"},
		{"xxx", "UTC", "+00:00"},
		{"ZZZZZ", "UTC", "Z"},
		{"ZZZZ", "Europe/Paris", "GMT+01:00"},
		{"z", "Europe/Paris", "CET"},
		{"VV", "Europe/Paris", "Europe/Paris"},
		{"HH:mm", "Europe/Paris", "15:05"},
		{"HH:mm", "+05:30", "19:35"},
		{"[yyyy]", "UTC", "2026"},
		{"yyyy/MM/dd - HH.mm", "America/New_York", "2026/03/03 - 09.05"},
		{"iso", "UTC", "2026-03-03T14:05:09.987654Z"},
		{"iso", "Europe/Paris", "2026-03-03T15:05:09.987654+01:00"},
		{"iso_sec", "UTC", "2026-03-03T14:05:09Z"},
		{"sql", "UTC", "2026-03-03 14:05:09.987654"},
		{"sql_seq", "UTC", "2026-03-03 14:05:09"},
		{"iso_local_date", "UTC", "2026-03-03"},
		{"iso_date", "UTC", "2026-03-03Z"},
		{"iso_local_date_time", "UTC", "2026-03-03T14:05:09.987654321"},
		{"iso_offset_date_time", "Europe/Paris", "2026-03-03T15:05:09.987654321+01:00"},
		{"iso_date_time", "Europe/Paris", "2026-03-03T15:05:09.987654321+01:00[Europe/Paris]"},
		{"iso_instant", "Europe/Paris", "2026-03-03T14:05:09.987654321Z"},
		{"iso_week_date", "UTC", "2026-W10-2Z"},
		{"rfc_1123_date_time", "UTC", "Tue, 3 Mar 2026 14:05:09 GMT"},
	}
	for _, tc := range cases {
		got, err := formatDate(at, tc.pattern, tc.zone, nil)
		if err != nil {
			t.Errorf("format %q in %s: unexpected error: %v", tc.pattern, tc.zone, err)
			continue
		}
		if got != tc.want {
			t.Errorf("format %q in %s: got %q, want %q", tc.pattern, tc.zone, got, tc.want)
		}
	}
	if got, _ := formatDate(at.In(paris), "HH:mm", nil, nil); got != at.In(time.Local).Format("15:04") {
		t.Errorf("default zone: got %q, want the local time %q", got, at.In(time.Local).Format("15:04"))
	}
}

func TestDateInputs(t *testing.T) {
	want := "2026-03-03 14:05"
	for _, in := range []any{
		time.Date(2026, 3, 3, 14, 5, 0, 0, time.UTC),
		"2026-03-03T14:05:00Z",
		"2026-03-03T15:05:00.5+01:00",
		"2026-03-03T14:05Z",
		"2026-03-03T15:05:00+01:00[Europe/Paris]",
		int64(1772546700),
	} {
		got, err := dateFilter(nil, in, []any{"yyyy-MM-dd HH:mm", "UTC", nil, nil})
		if err != nil || got != want {
			t.Errorf("date(%v): got %v, %v, want %q", in, got, err, want)
		}
	}
}

func TestDatePatternErrors(t *testing.T) {
	for pattern, want := range map[string]string{
		"yyyy-bb":  `invalid date pattern "yyyy-bb": unknown pattern letter 'b'`,
		"ddd":      `invalid date pattern "ddd": too many pattern letters 'd'`,
		"'open":    `invalid date pattern "'open": unterminated quote`,
		"yyyy{MM}": `invalid date pattern "yyyy{MM}": '{' is reserved`,
		"V":        `invalid date pattern "V": the zone id is written VV`,
	} {
		_, err := compileDate(pattern)
		if err == nil || err.Error() != want {
			t.Errorf("compile %q: got %v, want %q", pattern, err, want)
		}
	}
}
