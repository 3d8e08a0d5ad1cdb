package tasks

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// lineReader reads lines as Java's BufferedReader.readLine does, which Kestra's Split and
// Reverse use: a line ends at "\n", "\r" or "\r\n", and a final line needs no terminator.
type lineReader struct {
	r *bufio.Reader
}

func newLineReader(r io.Reader) *lineReader { return &lineReader{r: bufio.NewReaderSize(r, 64<<10)} }

// next returns the next line without its terminator, and the bytes it took in the input
// (terminator included); io.EOF once no line is left.
func (l *lineReader) next() (line string, n int64, err error) {
	var b strings.Builder
	for {
		c, err := l.r.ReadByte()
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return "", 0, io.EOF
			}
			return b.String(), n, nil
		}
		if err != nil {
			return "", n, err
		}
		n++
		switch c {
		case '\n':
			return b.String(), n, nil
		case '\r':
			if p, err := l.r.Peek(1); err == nil && p[0] == '\n' {
				l.r.ReadByte()
				n++
			}
			return b.String(), n, nil
		}
		b.WriteByte(c)
	}
}
