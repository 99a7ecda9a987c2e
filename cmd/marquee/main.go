// Command marquee runs the Marquee platform: every service in one process on
// embedded defaults, or some of them, scaled out (see docs/ARCHITECTURE.md).
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/marquee-dev/marquee/internal/app"
	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/obs"
	syntheticdata "github.com/marquee-dev/marquee/internal/tools/synthetic"
)

const usage = `marquee — a self-hostable movie-streaming platform

Usage:
  marquee serve [--services a,b] [--demo]   run the platform (all services by default)
  marquee seed --demo                        import the demo catalog (idempotent)
  marquee seed --synthetic MOVIES,REVIEWS    add generated movies and reviews (load tests)
  marquee rebuild browse                     replay the event streams into a fresh read model;
                                             stop every process serving browse first (it
                                             refuses to run beside one)
  marquee migrate [--services a,b]           apply database migrations and exit
  marquee config [--services a,b]            print the effective configuration (secrets
                                             redacted) and what is wrong with it
  marquee admin create --email E --password P [--name N]
                                             create an administrator, or promote an
                                             existing account (idempotent)
  marquee upload --movie ID [--server URL] [--token T | --email E --password P] FILE
                                             upload a video file to a movie (tus) with a progress
                                             bar; run again after an interruption, it resumes
                                             (--server defaults to MARQUEE_PUBLIC_URL or
                                             http://localhost:8080, --token to MARQUEE_TOKEN)
  marquee openapi                            print the API's OpenAPI document (as /api/openapi.json serves it)
  marquee version

Configuration comes from MARQUEE_* environment variables; see README.md or
run marquee config.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "marquee:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	started := time.Now()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, args := args[0], args[1:]
	if cmd == "admin" {
		if len(args) == 0 || args[0] != "create" {
			return errors.New("usage: marquee admin create --email E --password P [--name N]")
		}
		cmd, args = "admin create", args[1:]
	}
	fs := flag.NewFlagSet("marquee "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	services := fs.String("services", "", "comma-separated services to run in this process (default: all)")
	demoFlag := fs.Bool("demo", false, "load the demo catalog (idempotent)")
	synthetic := fs.String("synthetic", "", "seed: MOVIES,REVIEWS to generate (e.g. 100000,1000000)")
	email := fs.String("email", "", "admin create, upload: the administrator's e-mail address")
	password := fs.String("password", "", "admin create, upload: the password (at least 10 characters)")
	name := fs.String("name", "Administrator", "admin create: the display name")
	movie := fs.String("movie", "", "upload: the movie's id")
	server := fs.String("server", cmp.Or(getenv("MARQUEE_PUBLIC_URL"), "http://localhost:8080"), "upload: the Marquee server")
	token := fs.String("token", getenv("MARQUEE_TOKEN"), "upload: an administrator's access token (default MARQUEE_TOKEN)")
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, app.Version)
		return nil
	case "openapi":
		doc, err := app.Document()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", doc)
		return err
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "rebuild":
		if len(args) != 1 || args[0] != "browse" {
			return errors.New("usage: marquee rebuild browse")
		}
		args = nil
	case "upload":
		// flags may come after FILE too (`marquee upload film.mp4 --movie ID`):
		// the flag package stops at the first argument that is not a flag
		var files []string
		for rest := args; ; rest = fs.Args()[1:] {
			if err := fs.Parse(rest); err != nil {
				return err
			}
			if fs.NArg() == 0 {
				break
			}
			files = append(files, fs.Arg(0))
		}
		if len(files) != 1 {
			return fmt.Errorf("upload: one FILE expected, got %d\nusage: marquee upload --movie ID [--server URL] [--token T | --email E --password P] FILE", len(files))
		}
		return upload(ctx, uploadArgs{movie: *movie, server: *server, token: *token, email: *email, password: *password, file: files[0]}, stdout, stderr)
	case "serve", "seed", "migrate", "admin create", "config":
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cmd == "config" {
		return printConfig(stdout, getenv, os.Environ(), *services)
	}
	cfg, err := config.Load(getenv, app.Services)
	if err != nil {
		return err
	}
	if *services != "" {
		if cfg.Services, err = config.ParseServices(*services, app.Services); err != nil {
			return fmt.Errorf("--services: %w", err)
		}
	}
	logOut := obs.NewBufferedWriter(stdout, 200*time.Millisecond)
	defer logOut.Close()
	log := obs.NewLoggerFormat(logOut, cfg.LogLevel, cfg.LogFormat, obs.IsTerminal(stdout))
	slog.SetDefault(log)
	if unknown := config.Unknown(os.Environ(), app.Services); len(unknown) > 0 {
		log.Warn("unknown MARQUEE_* variables are ignored", "variables", unknown)
	}

	switch cmd {
	case "migrate":
		return app.Migrate(ctx, cfg, log)
	case "admin create":
		if *email == "" || *password == "" {
			return errors.New("admin create: --email and --password are required")
		}
		cfg.Services = []string{"identity"}
		a, err := app.New(ctx, cfg, log, app.Offline)
		if err != nil {
			return err
		}
		defer a.Close()
		id, _ := app.Lookup[*identity.Service](a)
		created, err := id.CreateAdmin(ctx, *email, *password, *name)
		if err != nil {
			return fmt.Errorf("admin create: %w", err)
		}
		if created {
			fmt.Fprintf(stdout, "administrator %s created\n", *email)
		} else {
			fmt.Fprintf(stdout, "%s is an administrator\n", *email)
		}
		return nil
	case "seed":
		var movies, reviews int
		if *synthetic != "" {
			if _, err := fmt.Sscanf(*synthetic, "%d,%d", &movies, &reviews); err != nil || movies < 0 || reviews < 0 {
				return fmt.Errorf("seed --synthetic %q: want MOVIES,REVIEWS such as 100000,1000000", *synthetic)
			}
		}
		if !*demoFlag && *synthetic == "" {
			return errors.New("seed: say what to seed: --demo and/or --synthetic MOVIES,REVIEWS")
		}
		a, err := app.New(ctx, cfg, log, app.Offline)
		if err != nil {
			return err
		}
		defer a.Close()
		if *demoFlag {
			if err := a.SeedDemoAll(ctx); err != nil {
				return err
			}
		}
		if *synthetic != "" {
			return syntheticdata.Seed(ctx, a, log, movies, reviews)
		}
		return nil
	case "rebuild":
		// Reads the streams, so it needs the bus. It empties the read model
		// and fills it again, so it refuses to run beside a process serving
		// browse: with the embedded NATS they cannot share the store; with
		// MARQUEE_NATS_URL it finds them by their consumers' pull requests.
		cfg.Services = []string{"browse"}
		a, err := app.New(ctx, cfg, log, app.Serving)
		if err != nil {
			return err
		}
		defer a.Close()
		return a.RebuildBrowse(ctx)
	default: // serve
		if err := cfg.CheckServing(); err != nil {
			return err
		}
		a, err := app.New(ctx, cfg, log, app.Serving)
		if err != nil {
			return err
		}
		defer a.Close()
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
		}
		// The demo fills in behind a serving process (/healthz answers at
		// once); its writes go through the services, whose events the relays
		// publish as they come. The databases close only after it stopped.
		seedCtx, stopSeed := context.WithCancel(ctx)
		defer stopSeed()
		var seeding sync.WaitGroup
		if *demoFlag {
			seeding.Go(func() {
				videoMovies, err := a.SeedDemo(seedCtx)
				if err != nil {
					if seedCtx.Err() == nil {
						log.Error("demo seeding failed", "error", err.Error())
					}
					return
				}
				// measured from the start of the process (docs/BENCHMARKS.md)
				if err := a.WaitSettled(seedCtx); err != nil {
					return
				}
				fmt.Fprintf(logOut, "Demo in place after %.1f s, %s (every event published and applied)\n",
					time.Since(started).Seconds(), cpuUsed())
				// only now: ffmpeg making the clip would take the cores the events need
				if err := a.AttachDemoVideo(seedCtx, videoMovies); err != nil && seedCtx.Err() == nil {
					log.Error("demo video failed", "error", err.Error())
				}
			})
		}
		fmt.Fprintf(logOut, "Marquee is running: open %s in your browser (Ctrl-C stops it)\n", openURL(ln.Addr()))
		err = a.Run(ctx, ln)
		stopSeed()
		seeding.Wait()
		return err
	}
}

// printConfig writes every variable's effective value (secrets redacted),
// where it comes from, each service's database, and the unknown MARQUEE_*
// variables; it fails when the configuration would not start `serve`.
func printConfig(w io.Writer, getenv func(string) string, environ []string, services string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "# the effective configuration of marquee (secrets redacted)")
	for _, s := range config.Settings(getenv, app.Services) {
		note := s.Source
		if s.Source == "unset" && s.Var.Unset != "" {
			note += ": " + strings.ReplaceAll(s.Var.Unset, "`", "")
		}
		fmt.Fprintf(tw, "%s=%s\t# %s\n", s.Name, s.Value, note)
	}
	_ = tw.Flush()
	unknown := config.Unknown(environ, app.Services)
	for _, u := range unknown {
		fmt.Fprintf(w, "# unknown, ignored: %s\n", u)
	}
	cfg, err := config.Load(getenv, app.Services)
	if err == nil && services != "" {
		if cfg.Services, err = config.ParseServices(services, app.Services); err != nil {
			err = fmt.Errorf("--services: %w", err)
		}
	}
	if err == nil {
		err = cfg.CheckServing()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "# services run here: %s\n", strings.Join(cfg.Services, ", "))
	for _, s := range cfg.Services {
		if s != app.Gateway {
			fmt.Fprintf(w, "# %s database: %s\n", s, config.Redact(cfg.DatabaseURLFor(s)))
		}
	}
	return nil
}

// openURL is the address to type into a browser for a listener: a wildcard
// host (":8080") is this machine, localhost.
func openURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// cpuUsed says how much CPU time this process has used so far (obs.CPUTime).
func cpuUsed() string {
	if cpu, ok := obs.CPUTime(); ok {
		return fmt.Sprintf("%.1f CPU-s", cpu.Seconds())
	}
	return "CPU time unknown"
}
