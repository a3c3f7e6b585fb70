package outbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/supportkit/supportkit/errorsx"
)

// Destination names the Sentry project of a DSN without its key or
// secret, as "scheme://host[:port][/path]/projectID": the DSN
// "https://public@o1.ingest.sentry.io/42" has the destination
// "https://o1.ingest.sentry.io/42". Scheme and host are lower-cased and a
// default port (443 for https, 80 for http) is dropped, so two spellings
// of one project name one destination.
//
// Errors never contain the DSN, which holds the project's key.
func Destination(dsn string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(dsn))
	if err != nil {
		return "", errorsx.InvalidArgument.New("outbox: DSN is not a URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", errorsx.InvalidArgument.New("outbox: DSN scheme is not http or https") // the "scheme" of a DSN without one may be its key
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", errorsx.InvalidArgument.New("outbox: DSN has no host")
	}
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" && !(scheme == "https" && p == "443") && !(scheme == "http" && p == "80") {
		host += ":" + p
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	i := strings.LastIndexByte(path, '/')
	if i < 0 || i == len(path)-1 {
		return "", errorsx.InvalidArgument.New("outbox: DSN has no project ID")
	}
	return scheme + "://" + host + path, nil
}

// destTag is the part of an envelope file name that says where it goes:
// the first 8 hex digits of the SHA-256 of dest, or "local" for "".
func destTag(dest string) string {
	if dest == "" {
		return localTag
	}
	sum := sha256.Sum256([]byte(dest))
	return hex.EncodeToString(sum[:4])
}

const localTag = "local"

// DefaultDir returns the default outbox directory of a service:
// os.UserCacheDir()/supportkit/outbox/<service>. An empty service means
// the base name of the running executable (without ".exe"). The name is
// sanitised to the characters [A-Za-z0-9._-] (others become "_", leading
// dots are dropped), so it can never leave the outbox tree. DefaultDir
// does not create the directory.
func DefaultDir(service string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", errorsx.FailedPrecondition.Wrap(err, "outbox: no user cache directory")
	}
	if service == "" {
		exe, err := os.Executable()
		if err != nil {
			return "", errorsx.FailedPrecondition.Wrap(err, "outbox: the executable's name is unknown; name the service")
		}
		service = strings.TrimSuffix(filepath.Base(exe), ".exe")
	}
	return filepath.Join(cache, "supportkit", "outbox", sanitizeName(service)), nil
}

// sanitizeName maps s to a safe single path element.
func sanitizeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	s = strings.TrimLeft(string(b), ".")
	if s == "" {
		return "default"
	}
	return s
}
