package slugify

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSlugLowercases(t *testing.T) {
	if got := Slug("Hello", '-'); got != "hello" {
		t.Fatalf("Slug = %q", got)
	}
}

func TestSlugKeepsDigits(t *testing.T) {
	if got := Slug("Go2024", '-'); got != "go2024" {
		t.Fatalf("Slug = %q", got)
	}
}

func TestSegments(t *testing.T) {
	got := Segments("/Blog//Go/", '-')
	if diff := cmp.Diff([]string{"blog", "go"}, got); diff != "" {
		t.Fatalf("Segments mismatch (-want +got):\n%s", diff)
	}
}
