package templating

import (
	"strings"
	"testing"
	"time"
)

// Expected values are what Java 21's DateTimeFormatter.ofPattern(pattern).withLocale(locale)
// prints, Kestra's AbstractDate.format, from the CLDR 42 data Java 21 ships (months and days
// of each language: common/main/<lang>.xml, calendar gregorian, format context).
func TestDateLocales(t *testing.T) {
	env := testEnv()
	// A Sunday in February, in the afternoon.
	env.Vars["d"] = time.Date(2026, 2, 1, 15, 4, 5, 0, time.UTC)
	runCasesIn(t, env, []renderCase{
		{"fr", `{{ d | date("EEEE d MMMM yyyy", timeZone="UTC", locale="fr") }}`, "dimanche 1 février 2026"},
		{"fr short", `{{ d | date("EEE d MMM", timeZone="UTC", locale="fr_FR") }}`, "dim. 1 févr."},
		{"de", `{{ d | date("EEEE, d. MMMM yyyy", timeZone="UTC", locale="de") }}`, "Sonntag, 1. Februar 2026"},
		{"de_CH", `{{ d | date("MMMM", timeZone="UTC", locale="de_CH") }}`, "Februar"},
		{"es", `{{ d | date("EEEE d 'de' MMMM", timeZone="UTC", locale="es") }}`, "domingo 1 de febrero"},
		{"it", `{{ d | date("EEEE d MMMM, EEE MMM", timeZone="UTC", locale="it") }}`, "domenica 1 febbraio, dom feb"},
		{"pt", `{{ d | date("EEEE, d 'de' MMMM", timeZone="UTC", locale="pt_BR") }}`, "domingo, 1 de fevereiro"},
		{"nl", `{{ d | date("EEEE d MMMM", timeZone="UTC", locale="nl") }}`, "zondag 1 februari"},
		{"numbers alone", `{{ d | date("dd/MM/yyyy HH:mm", timeZone="UTC", locale="es") }}`, "01/02/2026 15:04"},
		{"en", `{{ d | date("EEEE d MMMM h a", timeZone="UTC", locale="en_GB") }}`, "Sunday 1 February 3 PM"},
		{"dateAdd", `{{ d | dateAdd(1, 'MONTHS', 'MMMM', 'UTC', locale='fr') }}`, "mars"},
		{"README's example", `{{ '2026-02-01' | date('EEEE d MMMM', locale='fr') }}`, "dimanche 1 février"},
		{"now", `{{ now(format='MMMM', timeZone='UTC', locale='de') }}`, "November"},
	})
	// Never English silently: a locale or a name flowctl does not have is an error.
	for _, tc := range []struct{ src, want string }{
		{`{{ d | date("MMMM", locale="ja") }}`, `locale "ja" is not supported by flowctl`},
		{`{{ d | date("MMMM", locale="de_AT") }}`, `locale "de_AT" is not supported by flowctl`},
		{`{{ d | date("MMMM", locale="fr-FR") }}`, "Invalid locale format: fr-FR"},
		{`{{ d | date("d MMM", locale="de") }}`, `locale "de": the abbreviated month name (MMM)`},
		{`{{ d | date("EEE", locale="nl") }}`, `locale "nl": the abbreviated day name (EEE)`},
		{`{{ d | date("h a", locale="es") }}`, `locale "es": the AM/PM marker (a)`},
		{`{{ d | date("QQQ", locale="fr") }}`, `locale "fr": the pattern letter QQQ`},
		{`{{ d | date("MMMMM", locale="es") }}`, `locale "es": the narrow name (MMMMM)`},
	} {
		_, err := renderString(tc.src, env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("render %q: got error %v, want one saying %q", tc.src, err, tc.want)
		}
	}
}

// runCasesIn is runRenderCases against env.
func runCasesIn(t *testing.T, env *Env, cases []renderCase) {
	t.Helper()
	for _, tc := range cases {
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
