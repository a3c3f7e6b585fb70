package grpcerrors_test

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

func contextWithDeadlinePassed() (context.Context, context.CancelFunc) {
	return context.WithDeadline(context.Background(), time.Unix(0, 0))
}

func protoadaptV1(m proto.Message) protoadapt.MessageV1 { return protoadapt.MessageV1Of(m) }
