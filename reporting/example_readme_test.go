package reporting_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
)

// The README's reporting snippet is run and placeOrder as written here
// (the root package's TestReadmeSnippets checks it); Example_readme runs
// them.

// shop is the service of the README's snippet: POST /orders/{id} charges
// a card, then sends the receipt in the background.
type shop struct {
	log  *zap.Logger
	slog *slog.Logger
}

// outboxDir is where the example keeps its events ("" is the default
// directory, one per service).
var outboxDir string

func run(ctx context.Context, log *zap.Logger, slogger *slog.Logger, srv *http.Server, ln net.Listener) error {
	// SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_RELEASE; every event goes through the outbox first.
	rep, err := reporting.Setup(ctx, reporting.WithLogger(log), reporting.WithOutbox(outboxDir, 0))
	if err != nil {
		return err
	}
	defer rep.Shutdown(ctx) // waits for delivery up to ctx's deadline
	s := &shop{
		log:  log.WithOptions(zap.WrapCore(rep.WrapCore)),  // error lines become events, with event_id
		slog: slog.New(rep.SlogHandler(slogger.Handler())), // the same for log/slog
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders/{id}", s.placeOrder)
	srv.Handler = rep.Middleware(mux) // per-request hub, panics answered and reported
	return srv.Serve(ln)
}

func (s *shop) placeOrder(w http.ResponseWriter, r *http.Request) {
	ctx, order := r.Context(), r.PathValue("id")
	s.log.Info("charging card", reporting.LogContext(ctx), zap.String("order_id", order)) // a breadcrumb
	if err := charge(ctx, order); err != nil {
		id := reporting.Capture(ctx, err) // never blocks on the network; "" when held back
		errorsx.WriteProblem(w, r, err, id)
		return
	}
	reporting.Go(ctx, func(ctx context.Context) { // a panic is reported, then recovered
		if err := sendReceipt(ctx, order); err != nil {
			s.slog.ErrorContext(ctx, "receipt not sent", "error", err) // an event too
		}
	})
	w.WriteHeader(http.StatusAccepted)
}

// charge fails for order 1.
func charge(ctx context.Context, order string) error {
	if order == "1" {
		return errorsx.Unavailable.New("payment gateway timed out", "order_id", order)
	}
	return nil
}

// sendReceipt fails for order 2 and panics for order 3.
func sendReceipt(ctx context.Context, order string) error {
	switch order {
	case "2":
		return errorsx.Unavailable.New("mail server refused the receipt", "order_id", order)
	case "3":
		var templates map[string]string
		templates["receipt"] = "missing" // a nil map write: a panic
	}
	return nil
}

// The README's snippet: a service without SENTRY_DSN whose failures wait
// in the outbox: an error it captures, an error line, a goroutine's panic.
func Example_readme() {
	dir, err := os.MkdirTemp("", "outbox")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	outboxDir = dir

	slogLines := make(lineChan, 10)
	slogger := slog.New(slog.NewJSONHandler(slogLines, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zapcore.EncoderConfig{}), zapcore.AddSync(io.Discard), zap.InfoLevel))
	srv := &http.Server{}
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), log, slogger, srv, ln) }()

	for i, order := range []string{"1", "2", "3"} {
		resp, err := http.Post("http://"+ln.Addr().String()+"/orders/"+order, "", nil)
		if err != nil {
			panic(err)
		}
		var p errorsx.Problem
		_ = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		fmt.Printf("POST /orders/%s: %d %s %s (reference ID: %d characters)\n", order, resp.StatusCode, p.Code, p.Detail, len(p.ReferenceID))
		waitForEnvelopes(dir, i+1)
	}
	_ = srv.Shutdown(context.Background())
	fmt.Println("run:", <-done)

	var line struct {
		EventID string `json:"event_id"`
	}
	select {
	case l := <-slogLines: // written by the goroutine of order 2
		_ = json.Unmarshal([]byte(l), &line)
	case <-time.After(10 * time.Second):
	}
	fmt.Println("the slog line has the event ID:", len(line.EventID) == 32)
	fmt.Println("the outbox:")
	files, _ := filepath.Glob(filepath.Join(dir, "*.envelope"))
	sort.Strings(files)
	for _, f := range files {
		data, _ := os.ReadFile(f)
		env, _ := outbox.Parse(data)
		evs, _ := env.Events()
		for _, ev := range evs {
			x := ev.Exception[len(ev.Exception)-1]
			fmt.Printf("  %s: %s (%s)", x.Type, x.Value, ev.Transaction)
			for _, b := range ev.Breadcrumbs {
				fmt.Printf(", after %q", b.Message)
			}
			fmt.Println()
		}
	}
	// Output:
	// POST /orders/1: 503 unavailable Service Unavailable (reference ID: 32 characters)
	// POST /orders/2: 202   (reference ID: 0 characters)
	// POST /orders/3: 202   (reference ID: 0 characters)
	// run: http: Server closed
	// the slog line has the event ID: true
	// the outbox:
	//   unavailable: payment gateway timed out (POST /orders/{id}), after "charging card"
	//   unavailable: mail server refused the receipt (POST /orders/{id}), after "charging card"
	//   panic: assignment to entry in nil map (POST /orders/{id}), after "charging card"
}

// lineChan is an io.Writer that hands each write on, for a handler that
// writes one record per call, as slog's do.
type lineChan chan string

func (c lineChan) Write(p []byte) (int, error) {
	c <- string(p)
	return len(p), nil
}

// waitForEnvelopes waits until dir holds n envelopes, for at most 10 s.
func waitForEnvelopes(dir string, n int) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if files, _ := filepath.Glob(filepath.Join(dir, "*.envelope")); len(files) >= n {
			return
		}
	}
	fmt.Println("fewer than", n, "envelopes in the outbox")
}
