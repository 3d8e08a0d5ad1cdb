package templating

import "fmt"

// ParseIonRecord reads one line of a file of records (Kestra's FileSerde: one Ion value a
// line): structs come as Maps in the order of the text, annotations dropped.
func ParseIonRecord(line string) (any, error) {
	p := &ionParser{s: line, ordered: true}
	v, err := p.value(0)
	if err == nil {
		p.space()
		if p.i < len(p.s) {
			err = p.fail("more than one value on a line")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("Invalid ion: %v", err)
	}
	return v, nil
}
