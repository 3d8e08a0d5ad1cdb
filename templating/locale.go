package templating

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// dateNames are the month and day names, and the AM/PM markers, a date pattern prints in one
// locale, as Java 21's DateTimeFormatter prints them (CLDR data). Short forms and markers are
// only given where flowctl is sure to print what Java prints; a pattern that needs one it
// lacks is refused (see checkNames), never printed in English.
type dateNames struct {
	longMonths, longDays   []string
	shortMonths, shortDays []string   // nil: MMM and EEE are refused
	ampm                   *[2]string // nil: a is refused
	english                bool
}

var englishNames = &dateNames{
	longMonths: longMonths, longDays: longDays, shortMonths: shortMonths, shortDays: shortDays,
	ampm: &[2]string{"AM", "PM"}, english: true,
}

// localeNames holds the languages flowctl prints names in besides English, and the regions
// that print the same names (de_AT says Jänner, so it is not one of them).
var localeNames = map[string]struct {
	names   *dateNames
	regions string
}{
	"fr": {&dateNames{
		longMonths:  []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		longDays:    []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		shortMonths: []string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
		shortDays:   []string{"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."},
		ampm:        &[2]string{"AM", "PM"},
	}, "FR BE LU"},
	"de": {&dateNames{
		longMonths: []string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		longDays:   []string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		ampm:       &[2]string{"AM", "PM"},
	}, "DE CH LU"},
	"es": {&dateNames{
		longMonths: []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		longDays:   []string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
	}, "ES"},
	"it": {&dateNames{
		longMonths:  []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
		longDays:    []string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
		shortMonths: []string{"gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"},
		shortDays:   []string{"dom", "lun", "mar", "mer", "gio", "ven", "sab"},
		ampm:        &[2]string{"AM", "PM"},
	}, "IT"},
	"pt": {&dateNames{
		longMonths:  []string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
		longDays:    []string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"},
		shortMonths: []string{"jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.", "dez."},
		shortDays:   []string{"dom.", "seg.", "ter.", "qua.", "qui.", "sex.", "sáb."},
		ampm:        &[2]string{"AM", "PM"},
	}, "BR"},
	"nl": {&dateNames{
		longMonths: []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
		longDays:   []string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
	}, "NL BE"},
}

// namesFor reads a locale argument as Kestra's LocaleUtils.toLocale does (fr, fr_FR) and
// returns its names, or an error that says which locales flowctl prints.
func namesFor(locale string) (*dateNames, error) {
	lang, region, _ := strings.Cut(locale, "_")
	if strings.Contains(locale, "-") {
		return nil, fmt.Errorf("Invalid locale format: %s (write fr or fr_FR, with an underscore)", abbreviateText(locale, 32))
	}
	if lang == "en" {
		return englishNames, nil
	}
	if l, ok := localeNames[lang]; ok && (region == "" || strings.Contains(" "+l.regions+" ", " "+region+" ")) {
		return l.names, nil
	}
	return nil, fmt.Errorf("locale %q is not supported by flowctl: it prints month and day names in en, fr (fr_FR, fr_BE, fr_LU), de (de_DE, de_CH, de_LU), es (es_ES), it (it_IT), pt (pt_BR) and nl (nl_NL, nl_BE)", abbreviateText(locale, 32))
}

// checkNames refuses a pattern that asks locale for a name flowctl does not have.
func (l dateLayout) checkNames(names *dateNames, locale string) error {
	if names.english {
		return nil
	}
	for _, f := range l {
		what := ""
		switch {
		case f.letter == 0:
		case (f.letter == 'M' || f.letter == 'L') && f.count == 3 && names.shortMonths == nil:
			what = "the abbreviated month name (MMM); write MMMM or MM"
		case f.letter == 'E' && f.count <= 3 && names.shortDays == nil:
			what = "the abbreviated day name (EEE); write EEEE"
		case (f.letter == 'M' || f.letter == 'L' || f.letter == 'E') && f.count == 5:
			// CLDR's narrow names are not always the first letter (Spanish Wednesday is X).
			what = fmt.Sprintf("the narrow name (%s); write %s", strings.Repeat(string(f.letter), 5), strings.Repeat(string(f.letter), 4))
		case f.letter == 'a' && names.ampm == nil:
			what = "the AM/PM marker (a); write HH for a 24-hour clock"
		case f.letter == 'G', (f.letter == 'Q' || f.letter == 'q') && f.count >= 3, f.letter == 'z' && f.count < 4, f.letter == 'O':
			what = fmt.Sprintf("the pattern letter %s", strings.Repeat(string(f.letter), f.count))
		}
		if what != "" {
			return fmt.Errorf("locale %q: %s is not supported by flowctl in this locale", locale, what)
		}
	}
	return nil
}

// firstRune is the narrow form of a name (MMMMM, EEEEE): its first letter.
func firstRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}
