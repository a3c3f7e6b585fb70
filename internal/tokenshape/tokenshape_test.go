package tokenshape

import "testing"

func TestHasRandomRun(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"orders", false},
		{"1001", false},
		{"123e4567-e89b-12d3-a456-426614174000", false},              // a UUID: an ID, not a secret
		{"a-very-long-slug-made-of-plain-words-only", false},         // letters and dashes
		{"12345678901234567890123456789012345", false},               // a long number
		{"sk_live_4eC39HqLyjWDarjtT1zdp7dcXyZ0aB", true},             // mixed case and digits
		{"9ec79c33ec9942ab8353589fcb2e04dc9ec79c33", true},           // 40 hex digits
		{"token=Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c; path=/", true}, // inside other text
	}
	for _, tt := range tests {
		if got := HasRandomRun(tt.s); got != tt.want {
			t.Errorf("HasRandomRun(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestRedactSegments(t *testing.T) {
	const tok = "eyJhbGciOiJIUzI1NiJ9eyJzdWIiOiIxMjM0NTY3ODkwIn0dozjgNryP4J3jVmNHl0w5N"
	for in, want := range map[string]string{
		"/orders/42":                 "/orders/42",
		"/reset/" + tok + "/confirm": "/reset/X/confirm",
		"/a/" + tok:                  "/a/X",
		"/":                          "/",
		"/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6": "/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6",
	} {
		if got := RedactSegments(in, "X"); got != want {
			t.Errorf("RedactSegments(%q) = %q, want %q", in, got, want)
		}
	}
}
