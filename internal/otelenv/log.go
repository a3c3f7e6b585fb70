package otelenv

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.uber.org/zap"
)

// LogWarning logs w at warn level, naming the variable, the value and what
// is used instead. pkg begins the message. A nil log logs nothing.
//
//	{"level":"warn","msg":"tracing: an OTEL_* value is not valid and is ignored",
//	 "variable":"OTEL_TRACES_SAMPLER","value":"sometimes",
//	 "using":"ParentBased{...} (unknown sampler)"}
func LogWarning(log *zap.Logger, pkg string, w Warning) {
	if log == nil {
		return
	}
	log.Warn(pkg+": an OTEL_* value is not valid and is ignored",
		zap.String("variable", w.Variable), zap.String("value", w.Value), zap.String("using", w.Using))
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
