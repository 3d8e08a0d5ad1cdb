package tasks

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// writeMail writes m as a MIME message, shaped as Kestra's (Simple Java Mail) are:
//
//	multipart/mixed
//	├── multipart/related          (multipart/alternative alone without embedded images)
//	│   ├── multipart/alternative
//	│   │   ├── text/plain          quoted-printable
//	│   │   └── text/html           quoted-printable, when there is one
//	│   └── image/png ...           inline, Content-ID <NAME>
//	└── attachments                 base64, Content-Disposition attachment
//
// Header values are encoded as RFC 2047 asks when they are not ASCII, and folded.
func writeMail(w io.Writer, m *mailContent, now time.Time) error {
	bw := bufio.NewWriter(w)
	mixed := multipart.NewWriter(bw)
	h := func(k, v string) { fmt.Fprintf(bw, "%s\r\n", fold(k+": "+v)) }
	h("Date", now.Format(time.RFC1123Z))
	h("From", m.from.String())
	h("To", addressList(m.to))
	if len(m.cc) > 0 {
		h("Cc", addressList(m.cc))
	}
	h("Message-ID", messageID(m.from.Address))
	if m.subject != "" {
		h("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.subject)))
	}
	// Kestra asks for a return receipt to the sender.
	h("Return-Receipt-To", m.returnTarget)
	h("MIME-Version", "1.0")
	h("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed.Boundary()}))
	bw.WriteString("\r\n")

	if err := writeBody(mixed, m); err != nil {
		return err
	}
	for _, a := range m.attachments {
		if err := writePart(mixed, a, "attachment"); err != nil {
			return err
		}
	}
	if err := mixed.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeBody writes the alternative bodies, in a related part with the embedded images.
func writeBody(mixed *multipart.Writer, m *mailContent) error {
	parent := mixed
	var related *multipart.Writer
	if len(m.images) > 0 {
		var err error
		if related, err = nestedPartWriter(mixed, "multipart/related"); err != nil {
			return err
		}
		parent = related
	}
	alt, err := nestedPartWriter(parent, "multipart/alternative")
	if err != nil {
		return err
	}
	if err := writeText(alt, "text/plain", m.text); err != nil {
		return err
	}
	if m.html != "" {
		if err := writeText(alt, "text/html", m.html); err != nil {
			return err
		}
	}
	if err := alt.Close(); err != nil {
		return err
	}
	if related != nil {
		for _, img := range m.images {
			if err := writePart(related, img, "inline"); err != nil {
				return err
			}
		}
		return related.Close()
	}
	return nil
}

// nestedPartWriter starts a multipart part of type typ in parent and returns its writer.
func nestedPartWriter(parent *multipart.Writer, typ string) (*multipart.Writer, error) {
	boundary := "=_" + randomHex(12)
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Type", mime.FormatMediaType(typ, map[string]string{"boundary": boundary}))
	pw, err := parent.CreatePart(hdr)
	if err != nil {
		return nil, err
	}
	w := multipart.NewWriter(pw)
	if err := w.SetBoundary(boundary); err != nil {
		return nil, err
	}
	return w, nil
}

// writeText writes a text part in UTF-8, quoted-printable.
func writeText(parent *multipart.Writer, typ, text string) error {
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Type", typ+"; charset=UTF-8")
	hdr.Set("Content-Transfer-Encoding", "quoted-printable")
	pw, err := parent.CreatePart(hdr)
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(pw)
	if _, err := io.WriteString(qp, text); err != nil {
		return err
	}
	return qp.Close()
}

// writePart writes a file as a base64 part: an attachment, or an inline image the HTML
// refers to as cid:NAME.
func writePart(parent *multipart.Writer, p mailPart, disposition string) error {
	hdr := textproto.MIMEHeader{}
	// The type was checked in openParts; its parameters (a charset) are kept.
	typ, params, _ := mime.ParseMediaType(p.contentType)
	if params == nil {
		params = map[string]string{}
	}
	params["name"], params["filename"] = p.name, p.name
	ct := mime.FormatMediaType(typ, params)
	hdr.Set("Content-Type", ct)
	hdr.Set("Content-Transfer-Encoding", "base64")
	hdr.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": p.name}))
	if disposition == "inline" {
		hdr.Set("Content-ID", "<"+p.name+">")
	}
	pw, err := parent.CreatePart(hdr)
	if err != nil {
		return err
	}
	lw := &base64Lines{w: pw}
	enc := base64.NewEncoder(base64.StdEncoding, lw)
	if _, err := io.Copy(enc, p.r); err != nil {
		return fmt.Errorf("reading %s: %w", p.name, err)
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return lw.end()
}

// crlf ends a line of base64; a variable, so writing it allocates nothing.
var crlf = []byte("\r\n")

// base64Lines cuts base64 into lines of 76 characters, as MIME asks.
type base64Lines struct {
	w   io.Writer
	col int
}

func (l *base64Lines) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		k := min(76-l.col, len(b))
		if _, err := l.w.Write(b[:k]); err != nil {
			return n, err
		}
		n += k
		b = b[k:]
		if l.col += k; l.col == 76 {
			if _, err := l.w.Write(crlf); err != nil {
				return n, err
			}
			l.col = 0
		}
	}
	return n, nil
}

func (l *base64Lines) end() error {
	if l.col > 0 {
		_, err := l.w.Write(crlf)
		return err
	}
	return nil
}

// addressList formats addresses for a header, names encoded as RFC 2047 asks.
func addressList(as []*mail.Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// messageID is a unique Message-ID in the sender's domain.
func messageID(from string) string {
	domain := "flowctl.localhost"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "<" + hex.EncodeToString(b) + "@" + domain + ">"
}

// fold breaks a header line at spaces into lines of at most 78 characters where it can
// (RFC 5322 asks for 78, and allows no more than 998): readers remove a line break before a
// space, so the value reads the same.
func fold(line string) string {
	var b strings.Builder
	col := 0
	for i, word := range strings.Split(line, " ") {
		if i > 0 {
			if col+1+len(word) > 78 {
				b.WriteString("\r\n")
				col = 0
			}
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

// oneLine puts a header value on one line: a line break in it would start another header.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}
