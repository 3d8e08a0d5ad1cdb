package runner

import "testing"

// BenchmarkMaskLine masks a short log line holding no secret, with a secret registered in its
// usual forms (a SECRET_ variable: its decoded value and its base64): the cost every line a
// task logs pays.
func BenchmarkMaskLine(b *testing.B) {
	m := NewMasker()
	AddEnvSecrets(m, []string{"SECRET_API_TOKEN=c3VwZXItc2VjcmV0LXRva2Vu"})
	line := "line 123456 of the output"
	b.ReportAllocs()
	for b.Loop() {
		if m.String(line) != line {
			b.Fatal("masked a line without a secret")
		}
	}
}
