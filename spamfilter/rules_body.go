package spamfilter

import "strings"

// bodyRules looks at the shape of the body and the URLs in it.
func (f *Filter) bodyRules(c *content, add func(string)) {
	if c.htmlOnly {
		add(SymHTMLOnly)
	}
	if len(c.urls) > f.opts.MaxURLs {
		add(SymURLMany)
	}
	ipURL, short := false, false
	for _, u := range c.urls {
		if u.ip.IsValid() {
			ipURL = true
		} else if f.shorten[u.host] || f.shorten[strings.TrimPrefix(u.host, "www.")] {
			short = true
		}
	}
	if ipURL {
		add(SymURLIP)
	}
	if short {
		add(SymURLShortener)
	}
}
