package tgemu

// parseMarkdownV2 and parseMarkdownV1 are completed in markdown parsing work; until then the
// text passes through unchanged.
func parseMarkdownV2(text string) (string, []wEntity, error) { return text, nil, nil }

func parseMarkdownV1(text string) (string, []wEntity, error) { return text, nil, nil }
