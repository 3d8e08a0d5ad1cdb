package templating

import (
	"context"
	"strings"
)

// MarshalIon writes v as one Ion text value, as Kestra's toIon filter and its stores do
// (Kestra keeps a subflow's outputs that way): maps with sorted symbol keys, strings in
// double quotes, doubles with an exponent.
func MarshalIon(v any) (string, error) {
	c := &evalCtx{b: newBudget(context.Background(), nil)}
	var b strings.Builder
	if err := c.writeIon(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}
