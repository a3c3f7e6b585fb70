package main

import "io"

// terminalSafe writes to a terminal what events hold without letting
// their text drive it: ASCII control characters other than newline and
// tab, DEL, and the C1 controls (U+0080 to U+009F) become "?". An event's
// message, URL or header comes from outside (a client, a dependency), and
// an escape sequence in it could rewrite what the engineer sees. -json
// output does not go through it: scripts get the text exactly, with the
// ASCII controls escaped by encoding/json.
type terminalSafe struct{ w io.Writer }

func (t terminalSafe) Write(p []byte) (int, error) {
	var clean []byte // nil while p needs no change
	for i := 0; i < len(p); i++ {
		c := p[i]
		bad := c < 0x20 && c != '\n' && c != '\t' || c == 0x7f
		c1 := c == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f
		switch {
		case bad || c1:
			if clean == nil {
				clean = append(make([]byte, 0, len(p)), p[:i]...)
			}
			clean = append(clean, '?')
			if c1 {
				i++
			}
		case clean != nil:
			clean = append(clean, c)
		}
	}
	if clean == nil {
		clean = p
	}
	if _, err := t.w.Write(clean); err != nil {
		return 0, err
	}
	return len(p), nil
}
