// Command errorsx shows what an errorsx error carries and where each part
// comes out: Error(), %+v, a zap JSON log line and a problem+json answer.
//
//	go run ./examples/errorsx
package main

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http/httptest"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
)

// PaymentDeclined is an application code: it answers 402.
var PaymentDeclined = errorsx.NewCode("payment_declined", 402)

func findOrder(id int) error {
	if id == 1 {
		return nil
	}
	// A foreign error from a dependency: wrapping it captures the stack here.
	return errorsx.NotFound.Wrap(sql.ErrNoRows, "order not found", "order_id", id,
		errorsx.Public("There is no order with this ID."))
}

func charge(card string) error {
	return PaymentDeclined.New("card declined",
		"card", errorsx.Secret(card), // never leaves the process
		"amount_cents", 1299)
}

func checkout(id int, card string) error {
	if err := findOrder(id); err != nil {
		// Wrapping an errorsx error records only this frame.
		return errorsx.Wrap(err, "checkout", "user_id", 7)
	}
	return errorsx.Wrap(charge(card), "checkout", "user_id", 7)
}

func main() {
	log := zap.Must(zap.NewProduction())
	defer func() { _ = log.Sync() }()

	for _, err := range []error{checkout(42, "4111-1111-1111-1111"), checkout(1, "4111-1111-1111-1111")} {
		fmt.Println("== Error():", err)
		fmt.Println("   code:", errorsx.CodeOf(err), "status:", errorsx.CodeOf(err).HTTPStatus(),
			"is not_found:", errors.Is(err, errorsx.NotFound), "is sql.ErrNoRows:", errors.Is(err, sql.ErrNoRows))

		fmt.Printf("== %%+v:\n%+v\n", err)

		fmt.Println("== zap (stderr):")
		log.Error("checkout failed", errorsx.Zap(err))
		_ = log.Sync()

		rec := httptest.NewRecorder()
		errorsx.WriteProblem(rec, httptest.NewRequest("POST", "/checkout", nil), err, "ref-123")
		fmt.Printf("== problem+json (%d):\n%s\n", rec.Code, rec.Body.String())
	}
}
