package templating

import "testing"

func TestMarshalIon(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{map[string]any{"value": "a\nb", "n": 2, "ok": true}, `{n:2,ok:true,value:"a\nb"}`},
		{map[string]any{"a b": []any{1.5, nil}}, `{'a b':[1.5e0,null]}`},
		{"x", `"x"`},
	} {
		got, err := MarshalIon(c.in)
		if err != nil || got != c.want {
			t.Errorf("MarshalIon(%v): got %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	if _, err := MarshalIon(make(chan int)); err == nil {
		t.Error("MarshalIon(chan): got no error")
	}
}
