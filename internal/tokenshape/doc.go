// Package tokenshape tells a random token (an API key, a session ID, a hex
// digest) from a word, a slug, a number or a UUID by its shape. It is the
// one rule errorsx (a problem's instance) and reporting (scrubbing) use, so
// that what one hides the other hides too.
package tokenshape
