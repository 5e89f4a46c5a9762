// Package engine is surveytui's only door to the Docker Engine API. Every other package talks to
// the engine through the methods here, so API version negotiation, error wording and the choice
// of transport (unix socket, tcp+TLS, ssh://) live in one place.
package engine

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/docker/docker/client"
)

// Options say where the engine is. An empty Host means DOCKER_HOST, then the local socket.
type Options struct {
	Host string
}

// Client is a connection to one Docker engine. It is safe for concurrent use.
type Client struct {
	api  *client.Client
	host string
}

// DefaultHost is where the engine is looked for when neither --docker-host nor DOCKER_HOST say.
const DefaultHost = client.DefaultDockerHost

// New prepares a client for the engine named by opts. It does not connect: the first call (or
// Ping) does, and negotiates the API version down to what the engine speaks (Debian's 20.10
// engine speaks 1.41).
func New(opts Options) (*Client, error) {
	host := opts.Host
	if host == "" {
		host = os.Getenv("DOCKER_HOST")
	}
	if host == "" {
		host = DefaultHost
	}
	clientOpts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if strings.HasPrefix(host, "ssh://") {
		dialer, err := sshDialer(host)
		if err != nil {
			return nil, err
		}
		// The ssh helper speaks HTTP over the remote `docker system dial-stdio`; the host part
		// of the URL only names the connection.
		clientOpts = append(clientOpts,
			client.WithHTTPClient(&http.Client{Transport: &http.Transport{DialContext: dialer}}),
			client.WithHost("http://docker.example"), client.WithDialContext(dialer))
	} else {
		clientOpts = append(clientOpts, client.WithHost(host))
	}
	api, err := client.NewClientWithOpts(clientOpts...)
	if err != nil {
		return nil, fmt.Errorf("docker host %q is not usable: %v; set --docker-host or DOCKER_HOST to unix:///var/run/docker.sock, tcp://HOST:2376 or ssh://USER@HOST", host, err)
	}
	return &Client{api: api, host: host}, nil
}

// Host is the engine address as the user would write it.
func (c *Client) Host() string { return c.host }

// APIVersion is the API version negotiated with the engine (after the first call).
func (c *Client) APIVersion() string { return c.api.ClientVersion() }

// Close releases idle connections.
func (c *Client) Close() error { return c.api.Close() }

// Ping checks that the engine answers and negotiates the API version. An engine that cannot be
// reached gives an *UnreachableError.
func (c *Client) Ping(ctx context.Context) error {
	if _, err := c.api.Ping(ctx); err != nil {
		return c.wrap(err)
	}
	c.api.NegotiateAPIVersion(ctx)
	return nil
}

// ServerVersion returns the engine's version and API version, e.g. "20.10.24", "1.41".
func (c *Client) ServerVersion(ctx context.Context) (engineVersion, apiVersion string, err error) {
	v, err := c.api.ServerVersion(ctx)
	if err != nil {
		return "", "", c.wrap(err)
	}
	return v.Version, v.APIVersion, nil
}
