package grpchealth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/health/grpchealth"
	"github.com/supportkit/supportkit/internal/grpctest"
)

// TestGracefulStop: a call in flight finishes when it can in time; one
// that hangs is cut when ctx ends, and GracefulStop says so.
func TestGracefulStop(t *testing.T) {
	for _, tt := range []struct {
		name    string
		hang    bool
		wantErr error
		code    codes.Code
	}{
		{"call finishes", false, nil, codes.OK},
		{"call hangs", true, context.DeadlineExceeded, codes.Unavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			started, release := make(chan struct{}), make(chan struct{})
			h := &grpctest.Handler{Unary: func(ctx context.Context, in string) (string, error) {
				close(started)
				if tt.hang {
					<-ctx.Done()
					return "", ctx.Err()
				}
				<-release
				return in, nil
			}}
			var srv *grpc.Server
			cc := grpctest.ServeWith(t, func(s *grpc.Server) { srv = s; s.RegisterService(h.Desc(), h) }, nil)
			errc := make(chan error, 1)
			go func() { _, err := grpctest.Unary(context.Background(), cc, "x"); errc <- err }()
			<-started
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			stopped := make(chan error, 1)
			go func() { stopped <- grpchealth.GracefulStop(ctx, srv) }()
			if !tt.hang {
				close(release)
			}
			if err := <-stopped; !errors.Is(err, tt.wantErr) {
				t.Errorf("GracefulStop = %v, want %v", err, tt.wantErr)
			}
			if err := <-errc; status.Code(err) != tt.code {
				t.Errorf("the call in flight ended with %v, want %v", err, tt.code)
			}
		})
	}
}
