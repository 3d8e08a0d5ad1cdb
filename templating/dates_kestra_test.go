package templating

import (
	"strings"
	"testing"
	"time"
)

// Expected values come from Kestra's DateFilterTest (core/src/test/java/io/kestra/core/
// runners/pebble/filters/DateFilterTest.java at Kestra 58c1ca2), named in each case, and
// from java.time's documented behaviour for the others.
func TestKestraDateFilters(t *testing.T) {
	env := testEnv()
	// DateFilterTest.NOW = ZonedDateTime.parse("2013-09-08T16:19:12.123456+01")
	zoned := time.Date(2013, 9, 8, 16, 19, 12, 123456000, time.FixedZone("", 3600))
	env.Vars["zoned"] = zoned
	env.Vars["epoch"] = zoned.Unix()
	for _, tc := range []renderCase{
		// dateFormat
		{"iso in a zone", `{{ zoned | date(format="iso", timeZone="Europe/Paris") }}`, "2013-09-08T17:19:12.123456+02:00"},
		{"iso_sec in a zone", `{{ zoned | date(format="iso_sec", timeZone="Europe/Paris") }}`, "2013-09-08T17:19:12+02:00"},
		{"epoch seconds", `{{ epoch | date(format='iso', timeZone='Europe/Paris') }}`, "2013-09-08T17:19:12.000000+02:00"},
		// dateStringFormat
		{"existingFormat", `{{ "July 24, 2001" | date("yyyy-MM-dd", existingFormat="MMMM dd, yyyy") }}`, "2001-07-24"},
		{"zoned text", `{{ "2013-09-08T17:19:12+02:00" | date(timeZone="Europe/Paris") }}`, "2013-09-08T17:19:12.000000+02:00"},
		{"local text", `{{ "2013-09-08T17:19:12" | date(timeZone="Europe/Paris") }}`, "2013-09-08T17:19:12.000000+02:00"},
		{"date text", `{{ "2013-09-08" | date(timeZone="Europe/Paris") }}`, "2013-09-08T00:00:00.000000+02:00"},
		// timestamp, timestampCompare
		{"timestamp", `{{ zoned | timestamp(timeZone="Europe/Paris") }}`, "1378653552"},
		{"timestamp compare", `{{ (zoned | timestamp) > (zoned | dateAdd(-1, 'DAYS') | timestamp) }}`, "true"},
		// dateRfc
		{"rfc_1123 existingFormat", `{{ 'Tue, 08 Feb 2022 19:38:26 GMT' | date(existingFormat='rfc_1123_date_time', timeZone="Europe/Paris") }}`, "2022-02-08T20:38:26.000000+01:00"},
		// instantnano, instantmicro (Kestra's micro is the seconds in nanoseconds plus the microseconds)
		{"timestampNano", `{{ zoned | timestampNano(timeZone="Europe/Paris") }}`, "1378653552123456000"},
		{"timestampMicro", `{{ zoned | timestampMicro(timeZone="Europe/Paris") }}`, "1378653552000123456"},
		// add
		{"dateAdd", `{{ zoned | dateAdd(-1,"DAYS",timeZone="Europe/Paris")}}`, "2013-09-07T17:19:12.123456+02:00"},
		{"dateAdd hours with a format", `{{ zoned | dateAdd(3, 'HOURS', 'yyyy-MM-dd HH:mm', 'UTC') }}`, "2013-09-08 18:19"},
		{"dateAdd month end", `{{ '2024-01-31' | dateAdd(1, 'MONTHS', 'yyyy-MM-dd', 'UTC') }}`, "2024-02-29"},
		{"dateAdd years", `{{ '2024-02-29' | dateAdd(-1, 'YEARS', 'yyyy-MM-dd', 'UTC') }}`, "2023-02-28"},
		{"dateAdd across summer time", `{{ '2024-03-30T12:00:00' | dateAdd(1, 'DAYS', timeZone='Europe/Paris') }}`, "2024-03-31T12:00:00.000000+02:00"},
		{"dateAdd existingFormat", `{{ '24/07/2001' | dateAdd(1, 'WEEKS', 'yyyy-MM-dd', 'UTC', 'dd/MM/yyyy') }}`, "2001-07-31"},
		{"existingFormat with time", `{{ '2001-07-24 5:03 PM' | date('iso_sec', 'UTC', existingFormat='yyyy-MM-dd h:mm a') }}`, "2001-07-24T17:03:00Z"},
		{"existingFormat with offset", `{{ '20010724T170300+0200' | date('iso_sec', 'UTC', existingFormat="yyyyMMdd'T'HHmmssZ") }}`, "2001-07-24T15:03:00Z"},
		{"timestamp existingFormat", `{{ '01/02/2026' | timestamp('UTC', 'MM/dd/yyyy') }}`, "1767312000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderString(tc.src, env)
			if err != nil {
				t.Fatalf("render %q: unexpected error: %v", tc.src, err)
			}
			if got != tc.want {
				t.Errorf("render %q: got %q, want %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestKestraDateErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unknown unit", "{{ '2024-01-01' | dateAdd(1, 'DAY') }}", "No enum constant java.time.temporal.ChronoUnit.DAY"},
		{"amount not a whole number", "{{ '2024-01-01' | dateAdd('x', 'DAYS') }}", "amount must be an integer"},
		{"text against its format", "{{ '2024-01-01' | date('yyyy', existingFormat='dd/MM/yyyy') }}", "Text '2024-01-01' could not be parsed with existingFormat 'dd/MM/yyyy'"},
		{"impossible day", "{{ '31/02/2024' | date('yyyy', existingFormat='dd/MM/yyyy') }}", "invalid date 2024-02-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderString(tc.src, testEnv())
			if err == nil {
				t.Fatalf("render %q: got %q and no error, want an error containing %q", tc.src, got, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("render %q:\n got error %q\nwant it to contain %q", tc.src, err.Error(), tc.want)
			}
		})
	}
}
