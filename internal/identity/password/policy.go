package password

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:generate go run gen_common.go

// Length bounds of a new password, in characters. There is no rule about
// character classes (NIST SP 800-63B): length and "not a known password" are
// what make a password hard to guess.
const (
	MinLength = 10
	MaxLength = 256
)

//go:embed common_passwords.txt
var commonList string

var common = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 8192)
	for _, line := range strings.Split(commonList, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			set[line] = struct{}{}
		}
	}
	return set
})

// CommonCount is the number of passwords in the embedded list.
func CommonCount() int { return len(common()) }

// decoration is what people put around a guessable word to meet rules.
const decoration = "0123456789!@#$%^&*()-_=+.,?~ "

// IsCommon reports whether pw is one of the commonest passwords: in the
// embedded list (ignoring case), a listed word with only digits or symbols
// added before or after it ("Sunshine1987!!"), or a short unit repeated
// ("abcabcabcabc").
func IsCommon(pw string) bool {
	set := common()
	lower := strings.ToLower(pw)
	if _, ok := set[lower]; ok {
		return true
	}
	if core := strings.Trim(lower, decoration); core != "" && core != lower {
		if _, ok := set[core]; ok {
			return true
		}
	}
	return repeatsShortUnit(lower)
}

func repeatsShortUnit(s string) bool {
	for unit := 1; unit <= 4 && unit < len(s); unit++ {
		if len(s)%unit != 0 {
			continue
		}
		if strings.Repeat(s[:unit], len(s)/unit) == s {
			return true
		}
	}
	return false
}

// Problem says what is wrong with a new password, or "" when it is
// acceptable. personal are values the password must not be (the e-mail
// address, its local part, the display name).
func Problem(pw string, personal ...string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinLength:
		return "must be at least 10 characters long"
	case n > MaxLength:
		return "must be at most 256 characters long"
	case IsCommon(pw):
		return "is one of the most commonly used passwords; choose one that is harder to guess"
	}
	lower := strings.ToLower(strings.TrimSpace(pw))
	for _, p := range personal {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if lower == p || strings.Trim(lower, decoration) == p {
			return "must not be your e-mail address or name"
		}
		if local, _, ok := strings.Cut(p, "@"); ok && len(local) >= 4 && strings.Trim(lower, decoration) == local {
			return "must not be your e-mail address or name"
		}
	}
	return ""
}
