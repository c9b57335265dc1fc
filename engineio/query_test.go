package engineio

import (
	"net/url"
	"testing"
)

func TestQueryValueAgreesWithParseQuery(t *testing.T) {
	for _, raw := range queryCorpus {
		want, _ := url.ParseQuery(raw)
		for _, key := range []string{"EIO", "transport", "sid", "t", "a b", "k", ""} {
			if got := queryValue(raw, key); got != want.Get(key) {
				t.Errorf("queryValue(%q, %q) = %q, ParseQuery says %q", raw, key, got, want.Get(key))
			}
		}
	}
}

var queryCorpus = []string{
	"",
	"EIO=4&transport=polling",
	"EIO=4&transport=polling&sid=AbC-_12&t=PqR1",
	"transport=websocket&transport=polling",
	"sid=a%2Fb&sid=c",
	"sid=bad%zz&sid=good",
	"a+b=1&a%20b=2",
	"t=x;y&t=z",
	"EIO&transport=&sid",
	"&&EIO=4&&",
	"k=%",
	"%6B=v",
	"k=a+b",
	"=v&k=w",
}

func FuzzQueryValue(f *testing.F) {
	for _, raw := range queryCorpus {
		f.Add(raw, "sid")
	}
	f.Fuzz(func(t *testing.T, raw, key string) {
		want, _ := url.ParseQuery(raw)
		if got := queryValue(raw, key); got != want.Get(key) {
			t.Errorf("queryValue(%q, %q) = %q, ParseQuery says %q", raw, key, got, want.Get(key))
		}
	})
}
