package appframes_test

import (
	"fmt"

	"github.com/supportkit/supportkit/reporting/internal/appframes"
)

// A service whose main module is example.com/shop, with a shared library
// of its own company counted as its code.
func ExampleRule_InApp() {
	rule := appframes.New("example.com/shared").WithMain("example.com/shop")
	for _, fn := range []string{
		"main.main",
		"example.com/shop/orders.(*Store).Get",
		"example.com/shared/db.Query",
		"github.com/lib/pq.(*conn).query",
		"net/http.HandlerFunc.ServeHTTP",
		"github.com/supportkit/supportkit/reporting.(*Reporter).Middleware.func1",
	} {
		fmt.Println(rule.InApp(fn), fn)
	}
	// Output:
	// true main.main
	// true example.com/shop/orders.(*Store).Get
	// true example.com/shared/db.Query
	// false github.com/lib/pq.(*conn).query
	// false net/http.HandlerFunc.ServeHTTP
	// false github.com/supportkit/supportkit/reporting.(*Reporter).Middleware.func1
}
