package delivery

import (
	"net/http"
	"testing"
	"time"
)

func TestRateLimitHeaders(t *testing.T) {
	now := time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC)
	tests := []struct {
		name, limits, retry string
		want                time.Duration
	}{
		{"all categories", "60::organization", "", 60 * time.Second},
		{"error category", "30:error;transaction:key", "", 30 * time.Second},
		{"other categories only", "120:transaction;session:key", "", 0},
		{"longest applies", "10:error:key, 90:default:org, 500:transaction:org", "", 90 * time.Second},
		{"garbage", "x:y, :error", "", 0},
		{"retry-after seconds", "", "7", 7 * time.Second},
		{"retry-after date", "", now.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second},
		{"retry-after missing", "", "", time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rateLimit(tt.limits, now)
			if tt.limits == "" {
				got = retryAfter(tt.retry, now)
			}
			if got != tt.want {
				t.Errorf("wait = %v, want %v", got, tt.want)
			}
		})
	}
}
