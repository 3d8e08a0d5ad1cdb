package state

import (
	"strings"
	"testing"
	"time"
)

func TestApplyFlowRevisions(t *testing.T) {
	s := newStore(t, Options{})
	steps := []struct {
		name     string
		delete   bool
		source   string
		disabled bool
		rev      int
		changed  bool
	}{
		{name: "new flow", source: "id: a\n", rev: 1, changed: true},
		{name: "same source", source: "id: a\n", rev: 1, changed: false},
		{name: "changed source", source: "id: a\n# edited\n", rev: 2, changed: true},
		{name: "disabled", source: "id: a\n# edited\n", disabled: true, rev: 3, changed: true},
		{name: "still disabled", source: "id: a\n# edited\n", disabled: true, rev: 3, changed: false},
		{name: "deleted", delete: true},
		{name: "applied again after delete goes on counting", source: "id: a\n", rev: 4, changed: true},
	}
	lastChange := t0
	for i, st := range steps {
		now := t0.Add(time.Duration(i) * time.Hour)
		if st.delete {
			ok, err := s.DeleteFlow("dev", "a")
			if err != nil || !ok {
				t.Fatalf("%s: DeleteFlow = %v, %v; want true", st.name, ok, err)
			}
			if _, ok, _ := s.Flow("dev", "a"); ok {
				t.Fatalf("%s: the flow is still there", st.name)
			}
			if ok, _ := s.DeleteFlow("dev", "a"); ok {
				t.Fatalf("%s: deleting twice reported a deletion", st.name)
			}
			continue
		}
		rec, changed, err := s.ApplyFlow("dev", "a", []byte(st.source), st.disabled, now)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if changed {
			lastChange = now
		}
		if rec.Revision != st.rev || changed != st.changed {
			t.Errorf("%s: got revision %d changed %v, want %d %v", st.name, rec.Revision, changed, st.rev, st.changed)
		}
		got, ok, err := s.Flow("dev", "a")
		if err != nil || !ok {
			t.Fatalf("%s: Flow = %v, %v", st.name, ok, err)
		}
		if got.Revision != st.rev || string(got.Source) != st.source || got.Disabled != st.disabled || !got.Updated.Equal(lastChange) {
			t.Errorf("%s: stored %+v, want revision %d source %q disabled %v updated %v", st.name, got, st.rev, st.source, st.disabled, lastChange)
		}
	}
}

func TestFlowsSortedByNamespaceDotID(t *testing.T) {
	s := newStore(t, Options{})
	for _, f := range [][2]string{{"dev", "b"}, {"dev.team", "a"}, {"dev", "zz"}, {"a", "z"}, {"dev", "a"}} {
		if _, _, err := s.ApplyFlow(f[0], f[1], []byte("id: "+f[1]), false, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteFlow("dev", "b"); err != nil {
		t.Fatal(err)
	}
	flows, err := s.Flows()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range flows {
		got = append(got, f.Namespace+"."+f.ID)
	}
	if want := "a.z dev.a dev.team.a dev.zz"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
}

func TestApplyFlowKeepsSourceBytes(t *testing.T) {
	s := newStore(t, Options{})
	src := []byte("id: x\n# \xff not UTF-8\n")
	if _, _, err := s.ApplyFlow("dev", "x", src, false, t0); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Flow("dev", "x")
	if err != nil || string(got.Source) != string(src) {
		t.Errorf("got %q, %v; want %q", got.Source, err, src)
	}
}
