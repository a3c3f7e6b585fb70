package tokenshape

import "strings"

// HasRandomRun reports whether s holds a run of 32 or more base64 or hex
// characters shaped like a random token rather than a word, slug, number
// or UUID: upper and lower case letters mixed with digits, or 32 hex
// digits in a row with letters and digits.
func HasRandomRun(s string) bool {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isTokenByte(s[i]) {
			continue
		}
		if i-start >= 32 && randomLooking(s[start:i]) {
			return true
		}
		start = i + 1
	}
	return false
}

func isTokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '+' || c == '/' || c == '_' || c == '-' || c == '=' || c == '.'
}

func randomLooking(run string) bool {
	var digit, lower, upper bool
	hexRun, hexDigit, hexLetter := 0, false, false
	for i := 0; i < len(run); i++ {
		c := run[i]
		isDigit := '0' <= c && c <= '9'
		isHexLetter := 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
		digit = digit || isDigit
		lower = lower || 'a' <= c && c <= 'z'
		upper = upper || 'A' <= c && c <= 'Z'
		if isDigit || isHexLetter {
			if hexRun == 0 {
				hexDigit, hexLetter = false, false
			}
			hexRun++
			hexDigit = hexDigit || isDigit
			hexLetter = hexLetter || isHexLetter
			if hexRun >= 32 && hexDigit && hexLetter {
				return true // a hex digest or key
			}
		} else {
			hexRun = 0
		}
	}
	return digit && lower && upper
}

// RedactSegments returns path with each "/"-separated segment that holds
// a random-looking run ([HasRandomRun]) replaced by with: the form in
// which a request's path may be shown in a log line or an answer.
func RedactSegments(path, with string) string {
	if !HasRandomRun(path) {
		return path
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if HasRandomRun(seg) {
			segs[i] = with
		}
	}
	return strings.Join(segs, "/")
}
