// Package errorsx provides errors that carry what a support engineer needs
// to diagnose a failure: a message, a machine-readable [Code], ordered
// key-value fields (some marked [Secret]), a public message for end users,
// the cause chain and the stack where the error started.
//
// It imports only the standard library and go.uber.org/zap/zapcore, so any
// package can use it without pulling in tracing or reporting dependencies.
//
// # Making errors
//
// Start an error with [New] or [Errorf], or with a code: [Code.New],
// [Code.Errorf]. Add context while it travels up with [Wrap], [Wrapf],
// [Code.Wrap] or [With]. Wrapping nil returns nil.
//
//	return errorsx.NotFound.New("order not found", "order_id", id)
//	...
//	return errorsx.Wrap(err, "load order", "user_id", user)
//
// Key-value lists alternate string keys and values, as log/slog's do; they
// may also hold [Field] and slog.Attr values, and a [Public] message. A key
// without a value is kept with the value [MissingValue], and a value where a
// key should be gets the key [BadKey]: mistakes stay visible.
//
// # Codes
//
// A [Code] picks the HTTP status of the error and titles its reports. The
// built-in codes are gRPC's canonical ones; [NewCode] defines more. The
// code of an error is the outermost one set ([CodeOf]), and
// errors.Is(err, errorsx.NotFound) works.
//
// # Secrets and public messages
//
// A value wrapped in [Secret] never leaves the process: it prints as
// [Redacted] in Error(), %+v, zap, slog, JSON, problem bodies, reports and
// spans, also when it sits in an unexported struct field, a map, a slice
// or behind a pointer (where reflection-based printers, fmt among them,
// cannot call its methods and print an address instead). A problem's
// instance (the request's path) hides segments that look like tokens.
// Literal message text is considered safe. The arguments of [Errorf] and
// [Wrapf] may carry personal data (an e-mail, a card number): Error(), %+v
// and the log encoders show them, but reports and spans, which take the
// message through [SafeString], show each as [Redacted] unless marked
// [Safe], as cockroachdb/errors does. Values a report should carry belong
// in fields. A [Public] message is the only text of a 5xx error that a
// caller ever sees.
//
// # Stacks
//
// The layer where an error starts captures up to 32 program counters, stored
// inline so that making the error costs one allocation; symbols are resolved
// only when the stack is read, and cached per program counter. A layer that
// wraps an errorsx error records just its own frame; one that wraps any
// other error captures a full stack. [NewSkip] and [WrapSkip] let helpers
// attribute the error to their caller. Each layer has a StackTrace() []uintptr
// method, which sentry-go and other tools find by reflection.
//
// # Output
//
// Error() reads "op: cause: root". %+v adds, per layer and innermost first,
// code, fields and frames (see [Error.Format]). [Zap] and [Attr] encode the
// same data as a structured object for zap and log/slog; zap.Error(err)
// stays readable too. [WriteProblem] answers an HTTP request with RFC 9457
// problem details, never exposing the internals of a 5xx error.
//
// # Joins
//
// [Join] behaves like errors.Join and also exposes Errors() []error, which
// zap renders as a list of causes.
package errorsx
