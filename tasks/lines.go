package tasks

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// lineReader reads lines as Java's BufferedReader.readLine does, which Kestra's Split,
// Reverse, FilterItems and DeduplicateItems use: a line ends at "\n", "\r" or "\r\n", and a
// final line needs no terminator.
type lineReader struct {
	r     *bufio.Reader
	buf   []byte
	queue []string // lines a lone "\r" split off the last segment read
}

func newLineReader(r io.Reader) *lineReader { return &lineReader{r: bufio.NewReaderSize(r, 64<<10)} }

// next returns the next line without its terminator; io.EOF once no line is left.
func (l *lineReader) next() (string, error) {
	if len(l.queue) > 0 {
		s := l.queue[0]
		l.queue = l.queue[1:]
		return s, nil
	}
	// A segment is what comes up to a "\n", or to the end.
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		l.buf = append(l.buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(l.buf) == 0 {
				return "", io.EOF
			}
			break
		}
		if err != nil {
			return "", err
		}
		break
	}
	body := bytes.TrimSuffix(l.buf, []byte("\n"))
	body = bytes.TrimSuffix(body, []byte("\r"))
	if bytes.IndexByte(body, '\r') < 0 {
		return string(body), nil
	}
	parts := bytes.Split(body, []byte("\r"))
	for _, p := range parts[1:] {
		l.queue = append(l.queue, string(p))
	}
	return string(parts[0]), nil
}
