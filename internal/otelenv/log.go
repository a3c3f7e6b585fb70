package otelenv

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.uber.org/zap"
)

// LogWarnings logs each warning once, at warn level, naming the variable,
// the value and what is used instead. pkg begins the message. A nil log
// logs nothing. W is [Warning] or a package's own type of it.
//
//	{"level":"warn","msg":"tracing: an OTEL_* value is not valid and is ignored",
//	 "variable":"OTEL_TRACES_SAMPLER","value":"sometimes",
//	 "using":"ParentBased{...} (unknown sampler)"}
func LogWarnings[W ~struct{ Variable, Value, Using string }](log *zap.Logger, pkg string, warnings []W) {
	if log == nil {
		return
	}
	for _, w := range warnings {
		w := Warning(w)
		log.Warn(pkg+": an OTEL_* value is not valid and is ignored",
			zap.String("variable", w.Variable), zap.String("value", w.Value), zap.String("using", w.Using))
	}
}

// ResourceFields returns the log fields of the keys res has, in the order
// given; none for a nil res.
func ResourceFields(res *resource.Resource, keys ...attribute.Key) []zap.Field {
	if res == nil {
		return nil
	}
	var fields []zap.Field
	for _, k := range keys {
		if v, ok := res.Set().Value(k); ok {
			fields = append(fields, zap.String(string(k), v.Emit()))
		}
	}
	return fields
}
