package flow

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// The id checks answer as the regular expressions the schema publishes.
func TestIDPatternsMatchTheirExpressions(t *testing.T) {
	patterns := map[string]idPattern{
		"flow id": flowIDPattern(), "namespace": namespacePattern(),
		"task id": taskIDPattern(), "input id": inputIDPattern(),
	}
	fixed := []string{"", "a", "A", "0", "-", ".", "_", "-a", ".a", "_a", "a-", "a.", "a_", "a.b",
		"a_b", "a-b", "Ab", "aB", "company.team", "Company.Team", "é", "aé", "a b", "a\n", "a\x00",
		"a/b", "a:b", "0-0", "z9Z", "a..b", "a--b"}
	alphabet := []rune("aAzZ09._- /é\n:")
	rng := rand.New(rand.NewPCG(1, 2))
	for name, p := range patterns {
		re := regexp.MustCompile(p.String())
		inputs := append([]string(nil), fixed...)
		for range 5000 {
			b := make([]rune, rng.IntN(6))
			for i := range b {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
			inputs = append(inputs, string(b))
		}
		for _, s := range inputs {
			if got, want := p.MatchString(s), re.MatchString(s); got != want {
				t.Errorf("%s %q: got %v, the expression %s says %v", name, s, got, p, want)
			}
		}
	}
}
