package state

import "bytes"

// Summaries. Listing executions must not read whole documents: one holding 200 outputs of
// 1 MB made `executions list` read them all. So beside each document the store keeps a
// summary, written in the same transaction: the end date, and the document without its
// taskRunList (the part that grows with what the tasks did), which is what `executions list
// -o json` prints. The listing fields themselves (namespace, flow, state, start) are in the
// index already.
//
// States written before summaries existed have none; nor does an execution written again
// by such an earlier build, whose summary is then stale. The index entry tells (see
// encodeIndex), and the listing then reads the record.

// bucketSummaries is made on first use, like bucketSlots.
var bucketSummaries = []byte("execution-summaries")

// summaryMember is the top-level member of an execution document that a summary leaves out.
const summaryMember = "taskRunList"

func encodeSummary(doc []byte) []byte {
	return append([]byte{recordVersion}, doc...)
}

// decodeSummary returns the summarised document of v; nil for none, or one of an unknown
// kind, which the listing reads from the record instead. The document points into v.
func decodeSummary(v []byte) []byte {
	if len(v) < 1 || v[0] != recordVersion {
		return nil
	}
	return v[1:]
}

// summarize returns doc without its top-level taskRunList member. A document that is not a
// JSON object as flowctl writes them is returned whole: listing it costs more, but shows it.
func summarize(doc []byte) []byte {
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return doc
	}
	i++
	key := []byte(`"` + summaryMember + `"`)
	prevEnd := -1 // where the member before ends (its value's last byte + 1)
	for {
		i = skipSpace(doc, i)
		if i >= len(doc) {
			return doc
		}
		if doc[i] == '}' {
			return doc // no taskRunList
		}
		start := i
		end := skipString(doc, i)
		if end < 0 {
			return doc
		}
		name := doc[start:end]
		i = skipSpace(doc, end)
		if i >= len(doc) || doc[i] != ':' {
			return doc
		}
		i = skipValue(doc, skipSpace(doc, i+1))
		if i < 0 {
			return doc
		}
		valueEnd := i
		i = skipSpace(doc, i)
		if i >= len(doc) {
			return doc
		}
		last := doc[i] == '}'
		if !last && doc[i] != ',' {
			return doc
		}
		if bytes.Equal(name, key) {
			out := make([]byte, 0, len(doc)-(valueEnd-start))
			switch {
			case !last: // drop the member and the comma after it
				out = append(append(out, doc[:start]...), doc[skipSpace(doc, i+1):]...)
			case prevEnd >= 0: // the last member: drop the comma before it
				out = append(append(out, doc[:prevEnd]...), doc[valueEnd:]...)
			default: // the only member
				out = append(append(out, doc[:start]...), doc[valueEnd:]...)
			}
			return out
		}
		prevEnd = valueEnd
		if last {
			return doc
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the JSON string starting at b[i], or -1.
func skipString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the index after the JSON value starting at b[i], or -1. It tracks
// nesting and strings only: the document was written by encoding/json.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = skipString(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' && b[i] != '\t' && b[i] != '\r' {
		i++
	}
	return i
}
