package main

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/supportkit/supportkit/errorsx"
)

// The Orders service, described by hand so that the example needs no
// protoc: each method takes and answers a google.protobuf.StringValue.
//
//	service orders.v1.Orders {
//	  rpc Get(StringValue) returns (StringValue);            // an order by ID: not found for unknown IDs
//	  rpc Pay(StringValue) returns (StringValue);            // calls the payment dependency: unavailable when it fails
//	  rpc Audit(StringValue) returns (StringValue);          // a bug: panics
//	  rpc Slow(StringValue) returns (StringValue);           // waits the duration given ("2s"), or until the deadline
//	  rpc Watch(StringValue) returns (stream StringValue);   // the order's status updates, one per watch interval
//	}
const serviceName = "orders.v1.Orders"

// orders is the service's state: which orders exist, the fake payment
// dependency's mode, and the interval between Watch's updates.
type orders struct {
	dependency    *dependency
	watchInterval time.Duration
}

var known = map[string]string{"1": "2 books", "2": "a lamp", "3": "tea"}

func (o *orders) get(_ context.Context, id string) (string, error) {
	item, ok := known[id]
	if !ok {
		return "", errorsx.NotFound.New("order "+id+" not found", "order_id", id)
	}
	return "order " + id + ": " + item, nil
}

func (o *orders) pay(ctx context.Context, id string) (string, error) {
	if err := o.dependency.call(ctx); err != nil {
		return "", errorsx.Unavailable.Wrap(err, "charge order", "order_id", id,
			errorsx.Public("the payment service is unavailable, please try again later"))
	}
	return "order " + id + " paid", nil
}

type auditLog struct{ entries map[string]int }

func (o *orders) audit(_ context.Context, id string) (string, error) {
	var log *auditLog // a bug: never set up
	log.entries[id]++ // nil pointer dereference
	return "audited", nil
}

const maxSlow = 30 * time.Second

func (o *orders) slow(ctx context.Context, arg string) (string, error) {
	d, err := time.ParseDuration(arg)
	if err != nil || d < 0 || d > maxSlow {
		return "", errorsx.InvalidArgument.New("the duration must be between 0s and 30s, such as \"2s\"", "value", arg)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return "waited " + d.String(), nil
	case <-ctx.Done():
		return "", errorsx.Wrap(ctx.Err(), "slow call", "duration", arg)
	}
}

var watchSteps = []string{"placed", "paid", "packed", "shipped", "delivered"}

func (o *orders) watch(ctx context.Context, id string, send func(string) error) error {
	if _, ok := known[id]; !ok {
		return errorsx.NotFound.New("order "+id+" not found", "order_id", id)
	}
	t := time.NewTicker(o.watchInterval)
	defer t.Stop()
	for i, step := range watchSteps {
		if i > 0 {
			select {
			case <-t.C:
			case <-ctx.Done():
				return errorsx.Wrap(ctx.Err(), "watch order", "order_id", id)
			}
		}
		if err := send("order " + id + ": " + step); err != nil {
			return err
		}
	}
	return nil
}

// dependency is the fake payment service: SUPPORTKIT_DEPENDENCY=ok|fail
// (default ok), readable by the health check too.
type dependency struct{ failing atomic.Bool }

func (d *dependency) call(ctx context.Context) error {
	if d.failing.Load() {
		return errors.New("dial tcp payments.internal:443: connect: connection refused")
	}
	return ctx.Err()
}

func unary(name string, fn func(context.Context, string) (string, error)) grpc.MethodDesc {
	full := "/" + serviceName + "/" + name
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(_ any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			call := func(ctx context.Context, req any) (any, error) {
				out, err := fn(ctx, strings.TrimSpace(req.(*wrapperspb.StringValue).GetValue()))
				if err != nil {
					return nil, err
				}
				return wrapperspb.String(out), nil
			}
			if icpt == nil {
				return call(ctx, in)
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{FullMethod: full}, call)
		},
	}
}

// desc is the service's description for grpc.Server.RegisterService.
func (o *orders) desc() *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: serviceName,
		HandlerType: (*any)(nil),
		Methods:     []grpc.MethodDesc{unary("Get", o.get), unary("Pay", o.pay), unary("Audit", o.audit), unary("Slow", o.slow)},
		Streams: []grpc.StreamDesc{{
			StreamName:    "Watch",
			ServerStreams: true,
			Handler: func(_ any, stream grpc.ServerStream) error {
				in := new(wrapperspb.StringValue)
				if err := stream.RecvMsg(in); err != nil {
					return err
				}
				return o.watch(stream.Context(), strings.TrimSpace(in.GetValue()), func(s string) error {
					return stream.SendMsg(wrapperspb.String(s))
				})
			},
		}},
	}
}

// The client side of the service, for the demo and the tests.

func call(ctx context.Context, cc grpc.ClientConnInterface, method, arg string) (string, error) {
	out := new(wrapperspb.StringValue)
	err := cc.Invoke(ctx, "/"+serviceName+"/"+method, wrapperspb.String(arg), out)
	return out.GetValue(), err
}

var watchDesc = &grpc.StreamDesc{StreamName: "Watch", ServerStreams: true}

// watchOrder opens a Watch stream and returns a function that receives
// its next update (io.EOF at the clean end).
func watchOrder(ctx context.Context, cc grpc.ClientConnInterface, id string) (func() (string, error), error) {
	cs, err := cc.NewStream(ctx, watchDesc, "/"+serviceName+"/Watch")
	if err != nil {
		return nil, err
	}
	if err := cs.SendMsg(wrapperspb.String(id)); err != nil {
		return nil, err
	}
	if err := cs.CloseSend(); err != nil {
		return nil, err
	}
	return func() (string, error) {
		m := new(wrapperspb.StringValue)
		err := cs.RecvMsg(m)
		return m.GetValue(), err
	}, nil
}
