package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"syscall"
)

// failureWords says why a message did not arrive, for the person who owns
// the channel: the common network failures in words, with the system's
// own phrase after them for whoever fixes it; anything else (the
// receiver's answer, a refusal of Hearth's own) as it is. Send errors
// never carry the target's path or a secret (httpClients.do), so neither
// do these words.
func failureWords(err error) string {
	var (
		pe      permanentError
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		hostErr x509.HostnameError
		authErr x509.UnknownAuthorityError
		netErr  net.Error
	)
	var relay relayError
	if errors.As(err, &relay) {
		// Not the household's to fix: their channel is an address.
		return "the appliance's mail server did not take it: the appliance's admin can check its mail settings (" + innermost(err).Error() + ")"
	}
	if errors.As(err, &pe) {
		err = pe.err
	}
	if err == nil {
		return "it could not be sent"
	}
	var why string
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "nothing answers at that address: is the receiver running, and is the port right?"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		why = "that address cannot be reached from this appliance"
	case errors.As(err, &dnsErr):
		why = "the receiver's name was not found"
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &authErr):
		why = "the receiver's certificate is not trusted"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		why = "the receiver did not answer in time"
	default:
		return err.Error()
	}
	return why + " (" + innermost(err).Error() + ")"
}

// innermost is the last error in err's chain: "connection refused", not
// the dial's address and port.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
