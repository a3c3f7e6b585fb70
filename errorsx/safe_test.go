package errorsx_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
)

// TestSafeString: what a report may carry of a message: literal text,
// Safe values and the causes' own safe text; Errorf's and Wrapf's other
// arguments are redacted, while Error() keeps them for the logs.
func TestSafeString(t *testing.T) {
	root := errorsx.Errorf("card %s declined for %s", "4111-1111", "ann@example.com")
	for _, tc := range []struct {
		name       string
		err        error
		safe, full string
	}{
		{"literal", errorsx.New("order not found", "order_id", "42"), "order not found", "order not found"},
		{"Errorf arguments", root, "card [REDACTED] declined for [REDACTED]", "card 4111-1111 declined for ann@example.com"},
		{"Safe values", errorsx.Errorf("retry %d of %d after %s", errorsx.Safe(2), errorsx.Safe(5), "ann"), "retry 2 of 5 after [REDACTED]", "retry 2 of 5 after ann"},
		{"code Errorf", errorsx.NotFound.Errorf("user %q", "ann"), "user [REDACTED]", `user "ann"`},
		{"Wrap of Errorf", errorsx.Wrap(root, "charge"), "charge: card [REDACTED] declined for [REDACTED]", "charge: card 4111-1111 declined for ann@example.com"},
		{"Wrapf", errorsx.Wrapf(root, "charge %s", "order-9"), "charge [REDACTED]: card [REDACTED] declined for [REDACTED]", "charge order-9: card 4111-1111 declined for ann@example.com"},
		{"code Wrapf", errorsx.Internal.Wrapf(root, "charge %s", errorsx.Safe("order-9")), "charge order-9: card [REDACTED] declined for [REDACTED]", "charge order-9: card 4111-1111 declined for ann@example.com"},
		{"Errorf %w", errorsx.Errorf("payment for %s: %w", "ann", root), "payment for [REDACTED]: card [REDACTED] declined for [REDACTED]", "payment for ann: card 4111-1111 declined for ann@example.com"},
		{"secret", errorsx.Errorf("token %v", errorsx.Secret("s3cr3t")), "token [REDACTED]", "token [REDACTED]"},
		{"join", errorsx.Join(root, errorsx.New("second")), "card [REDACTED] declined for [REDACTED]\nsecond", "card 4111-1111 declined for ann@example.com\nsecond"},
		{"foreign", &fs.PathError{Op: "open", Path: "/etc/app.yaml", Err: fs.ErrNotExist}, "open /etc/app.yaml: file does not exist", "open /etc/app.yaml: file does not exist"},
		{"nil", nil, "", ""},
		{"typed nil", (*fs.PathError)(nil), "<nil>", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := []string{errorsx.SafeString(tc.err), ""}
			if tc.err != nil && tc.name != "typed nil" {
				got[1] = tc.err.Error()
			}
			if diff := cmp.Diff([]string{tc.safe, tc.full}, got); diff != "" {
				t.Errorf("SafeString, Error() mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if !errors.Is(errorsx.Errorf("x: %w", fs.ErrNotExist), fs.ErrNotExist) {
		t.Error("Errorf's %w cause is lost")
	}
}
