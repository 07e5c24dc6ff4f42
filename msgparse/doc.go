// Package msgparse reads Internet mail messages for storage and indexing:
// the IMAP envelope and body structure, decoded header fields, text for
// search and previews, threading keys, and the byte offsets of every MIME
// part, so that protocol servers can serve any section from the stored
// bytes without parsing the message again.
//
// Parse reads a message once, as a stream, and keeps offsets instead of
// bodies: only the decoded text of text parts is kept (Options.MaxTextBytes
// per part, default 1 MiB, and Options.MaxTotalTextBytes per message,
// default 8 MiB), so a large message parses in bounded memory. It never
// fails on malformed content; what it cannot read is kept as an opaque
// part of the RFC 2045 default type and listed in Message.Defects, and the
// rest still indexes. Nesting is capped at Options.MaxDepth (default 100)
// and the part count at Options.MaxParts (default 10000).
//
// A Message encodes to a compact binary form (MarshalBinary) for storage
// beside the raw message; Part.BodyReader, Part.TextReader and
// Part.ReadText decode a part from the raw bytes through an io.ReaderAt,
// and Part.ReadFields reads a part's header fields.
//
// IMAP sections (RFC 9051 section 6.4.5) map to byte ranges as follows,
// with p := m.Section(path):
//
//	BODY[path]         p.BodyRange()
//	BODY[path.MIME]    p.MIMERange()
//	BODY[path.HEADER]  p.Message.Root.MIMERange() (message/rfc822 part)
//	BODY[path.TEXT]    p.Message.Root.BodyRange()
//	BODY[HEADER]       m.Root.MIMERange(), also [0, m.HeaderSize)
//	BODY[TEXT]         m.Root.BodyRange()
//	BINARY[path]       p.BodyReader(raw)
//
// Implemented:
//   - RFC 5322 (message format; obsolete syntax of section 4 read leniently,
//     header fields unfolded; a header not ended by a blank line ends at the
//     first line that is not a field)
//   - RFC 4155 mbox "From " separator lines: passed over wherever they
//     stand in a header block (at the top, after trace fields a delivery
//     prepended, atop an encapsulated message), as Python's email package
//     does; a ">From " line is not one and ends the header
//   - RFC 2045, RFC 2046 (MIME entities, multipart, message/rfc822,
//     multipart/digest defaults; a missing close-delimiter is taken at the
//     end of the enclosing body and reported in Message.Truncated). A
//     delimiter need only begin its line; of several boundaries that
//     begin it the longest wins, of equal ones the innermost. A multipart
//     without body parts keeps its type and gets one text/plain part over
//     its preamble, since IMAP cannot show a multipart without parts.
//   - RFC 2047 (encoded words in any charset golang.org/x/text knows)
//   - RFC 2231 (parameter continuations, charsets and languages)
//   - RFC 2183 (Content-Disposition), RFC 3282 (Content-Language),
//     RFC 2557 (Content-Location), RFC 1864 (Content-MD5, kept as sent)
//   - RFC 6532 (UTF-8 header fields), message/global
//   - RFC 9051 section 7.5.2 (ENVELOPE and BODYSTRUCTURE fields, groups as
//     markers) and section 6.4.5 (section numbering: Part.Section)
//   - RFC 3516 (BINARY: Part.BodyReader)
//   - RFC 8621 section 4.1.4 (textBody, htmlBody, attachments; preview,
//     bodyValues through Part.ReadText) and the header forms of section
//     4.1.2 (DecodeHeader, ParseAddressList, ParseMessageIDs, ParseDate,
//     ParseURLs; raw fields through Part.ReadFields)
//   - RFC 5256 section 2.1 (base subject)
//   - x-uuencode bodies (decoded by Part.BodyReader); UTF-7 (RFC 2152)
//     text, which golang.org/x/text lacks
//
// Not yet:
//   - A message/rfc822 part with a base64 or quoted-printable transfer
//     encoding (which RFC 2046 forbids, but some software writes) gets its
//     envelope from the decoded body, but not its part structure: Root is
//     one text/plain part over the encoded bytes. Parse Part.BodyReader's
//     output for the rest.
//   - x-gzip64 and other rare transfer encodings pass through undecoded.
//   - Header fields other than those Parse reads are not kept in the
//     stored form; Part.ReadFields reads them from the raw message.
package msgparse
