package tasks

import (
	"fmt"
	"strconv"
	"strings"
)

// Check finds a literal port that is not a port number.
func (s *MailServer) Check() []*PropError {
	if s.Port == "" || !isLiteral(s.Port) {
		return nil
	}
	p, err := strconv.Atoi(strings.TrimSpace(s.Port))
	switch {
	case err != nil:
		return []*PropError{{Prop: "port", Err: fmt.Errorf("%q is not an integer: give the SMTP server's port, 465 for SMTPS, 587 for SMTP_TLS, 25 for SMTP", s.Port)}}
	case p < 1 || p > 65535:
		return []*PropError{{Prop: "port", Err: fmt.Errorf("%d: want a port from 1 to 65535", p)}}
	}
	return nil
}

// checkCharset finds a literal charset that flowctl does not know.
func checkCharset(raw string) []*PropError {
	if raw == "" || !isLiteral(raw) {
		return nil
	}
	if _, err := lookupCharset(raw); err != nil {
		return []*PropError{{Prop: "charset", Err: err}}
	}
	return nil
}

// Check finds a label written with an empty key.
func (t *Labels) Check() []*PropError {
	switch v := t.Labels.(type) {
	case map[string]any:
		if _, ok := v[""]; ok {
			return []*PropError{{Prop: "labels", Err: fmt.Errorf("a label has an empty key: give each label a key")}}
		}
	case []any:
		for i, item := range v {
			m, ok := item.(map[string]any)
			if !ok {
				continue
			}
			if k, ok := m["key"].(string); (ok && strings.TrimSpace(k) == "") || m["key"] == nil {
				return []*PropError{{Prop: fmt.Sprintf("labels[%d].key", i), Err: fmt.Errorf("empty: give each label a key")}}
			}
		}
	}
	return nil
}

// Check finds a literal charset flowctl does not know.
func (t *CsvToIon) Check() []*PropError { return checkCharset(t.Charset) }

// Check finds a literal charset flowctl does not know.
func (t *IonToCsv) Check() []*PropError { return checkCharset(t.Charset) }

// Check finds a literal charset flowctl does not know.
func (t *JsonToIon) Check() []*PropError { return checkCharset(t.Charset) }

// Check finds a literal charset flowctl does not know.
func (t *IonToJSON) Check() []*PropError { return checkCharset(t.Charset) }
