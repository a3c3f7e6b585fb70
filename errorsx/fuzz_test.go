package errorsx_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/supportkit/supportkit/errorsx"
)

// FuzzErrors builds errors from arbitrary messages, format strings and
// key-value lists (including malformed ones), and checks that every output
// is produced without panicking, that the JSON outputs are valid, and that a
// secret value never appears in any of them.
func FuzzErrors(f *testing.F) {
	f.Add("order not found", "load %d: %w", "order_id", "42", "s3cr3t", 3, uint8(0))
	f.Add("", "%!", "", "", "x", 0, uint8(255))
	f.Add("multi\nline", "%v %v %w %w", "k\"ey", "v\x00", "tok", 1, uint8(7))
	f.Fuzz(func(t *testing.T, msg, format, key, val, secret string, n int, shape uint8) {
		kv := []any{key, val, "secret", errorsx.Secret(secret)}
		if shape&1 != 0 {
			kv = append(kv, key) // a key without a value
		}
		if shape&2 != 0 {
			kv = append(kv, n, val) // a non-string key
		}
		if shape&4 != 0 {
			kv = append(kv, errorsx.Public(val), slog.Int(key, n))
		}
		code := errorsx.NewCode(key, 400+n%200)
		err := code.New(msg, kv...)
		err = errorsx.Wrap(err, msg, kv...)
		err = errorsx.Errorf(format, err, io.EOF, n)
		if shape&8 != 0 {
			err = errorsx.Join(err, nil, errorsx.With(io.EOF, kv...))
		}
		if shape&16 != 0 {
			err = errorsx.Wrapf(err, format, msg, errorsx.Secret(secret))
		}

		rec := httptest.NewRecorder()
		errorsx.WriteProblem(rec, httptest.NewRequest("GET", "/", nil), err, val)
		outputs := map[string]string{
			"Error":   err.Error(),
			"%+v":     fmt.Sprintf("%+v", err),
			"%q":      fmt.Sprintf("%q", err),
			"zap":     string(zapJSON(t, errorsx.Zap(err))),
			"slog":    string(slogJSON(t, errorsx.Attr(err))),
			"problem": rec.Body.String(),
		}
		for _, name := range []string{"zap", "slog", "problem"} {
			if !json.Valid([]byte(outputs[name])) {
				t.Errorf("%s output is not valid JSON: %s", name, outputs[name])
			}
		}
		_ = errorsx.CodeOf(err)
		_ = errorsx.StackOf(err)

		// The secret can only be absent if no other input contains it.
		if len(secret) < 4 || strings.Contains(msg+format+key+val+fmt.Sprint(n), secret) ||
			strings.Contains(errorsx.Redacted+errorsx.MissingValue+errorsx.BadKey, secret) {
			return
		}
		for name, out := range outputs {
			if strings.Contains(out, secret) {
				t.Errorf("%s reveals the secret %q: %s", name, secret, out)
			}
		}
	})
}
