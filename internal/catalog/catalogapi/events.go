package catalogapi

// Source is the envelope source of every catalog event; the JetStream stream
// CATALOG takes the subjects catalog.>.
const Source = "catalog"

// Event types (envelope type = NATS subject). The envelope subject is the id
// of the movie or person.
const (
	MovieCreated  = "catalog.movie.created"
	MovieUpdated  = "catalog.movie.updated"
	MovieDeleted  = "catalog.movie.deleted"
	MovieRestored = "catalog.movie.restored"

	PersonCreated  = "catalog.person.created"
	PersonUpdated  = "catalog.person.updated"
	PersonDeleted  = "catalog.person.deleted"
	PersonRestored = "catalog.person.restored"
)

// MovieEvent is the data of every catalog.movie.* event: the whole movie
// document after the change, cast and crew included (with the names current
// at that moment), deleted_at set on catalog.movie.deleted. Consumers keep
// the event with the highest Version per movie id and drop older ones that
// arrive late.
//
// A movie is re-emitted as catalog.movie.updated (with a new Version) when a
// person credited on it is renamed, deleted or restored, because its cast or
// crew list changed.
type MovieEvent = Movie

// PersonEvent is the data of every catalog.person.* event: the whole person
// document after the change, with Version as for movies. Its Filmography is
// a snapshot taken at that moment; writes of movies do not re-emit the
// people credited on them, so consumers derive filmographies from the cast
// and crew of movie events.
type PersonEvent = Person
