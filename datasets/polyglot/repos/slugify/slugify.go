// Package slugify turns titles into URL path segments.
package slugify

import (
	"strings"
	"unicode"
)

// Slug lowercases s and replaces every run of characters that are not letters or digits with sep.
func Slug(s string, sep rune) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(sep)
		}
	}
	return b.String()
}

// Segments splits a path into its slugs, skipping empty segments.
func Segments(path string, sep rune) []string {
	var out []string
	for _, part := range strings.Split(path, "/") {
		if part == "" {
			continue
		}
		out = append(out, Slug(part, sep))
	}
	return out
}
