package flow

import (
	"fmt"
	"strings"
)

// Suggest returns the candidate closest to name when it is a likely typo of it, and whether
// there is one. Names are compared without regard to case (a key written "Tasks" is close to
// "tasks"), by the Damerau-Levenshtein distance (optimal string alignment), so that a swap of
// two neighbouring letters ("payloda") costs one edit, as a typo does.
//
// The allowed distance grows with the length of name: one edit up to five characters, two up
// to eleven, three beyond; longer names leave more room for typos, short ones would match
// almost anything. Among equally close candidates the first in the list wins.
func Suggest(name string, candidates []string) (string, bool) {
	if name == "" {
		return "", false
	}
	limit := maxEdits(len([]rune(name)))
	lname := strings.ToLower(name)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if c == name {
			continue
		}
		if d := editDistance(lname, strings.ToLower(c), bestD); d < bestD {
			best, bestD = c, d
		}
	}
	return best, best != ""
}

// didYouMean returns ` (did you mean "x"?)` when a candidate is close to name, else "".
func didYouMean(name string, candidates []string) string {
	if s, ok := Suggest(name, candidates); ok {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// maxEdits is the largest distance at which a name of n characters is taken for a typo.
func maxEdits(n int) int {
	switch {
	case n <= 5:
		return 1
	case n <= 11:
		return 2
	default:
		return 3
	}
}

// editDistance is the optimal string alignment distance between a and b, in runes. It gives
// up early, returning bound, once the distance is known to reach bound: callers only care
// about close names, and type names run long.
func editDistance(a, b string, bound int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= bound || -d >= bound {
		return bound
	}
	// Three rows suffice: the transposition looks two rows back.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin >= bound {
			return bound
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], bound)
}
