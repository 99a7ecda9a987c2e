package catalogapi

// Genres is the fixed starting list of genres: the catalog seeds them in its
// migrations, and readers (browse) offer them before any movie has one. The ids are fixed UUIDv7 values, so every installation shares
// them; an installation may add genres later, never change these.
var Genres = []Genre{
	{ID: "01a1fcbc-70bb-798b-87c3-a3458c2f28cd", Slug: "action", Name: "Action"},
	{ID: "01a1fcbc-70bb-7a2f-a77d-5103e1a70c67", Slug: "adventure", Name: "Adventure"},
	{ID: "01a1fcbc-70bb-7a37-96c3-147a9d851ef0", Slug: "animation", Name: "Animation"},
	{ID: "01a1fcbc-70bb-7a3b-b72d-703f67760ab5", Slug: "biography", Name: "Biography"},
	{ID: "01a1fcbc-70bb-7a3f-99c6-322b5fa4ef70", Slug: "black-comedy", Name: "Black Comedy"},
	{ID: "01a1fcbc-70bb-7a42-997c-37c42f506e61", Slug: "comedy", Name: "Comedy"},
	{ID: "01a1fcbc-70bb-7a46-9b3a-2a02413f2193", Slug: "concert-performance", Name: "Concert/Performance"},
	{ID: "01a1fcbc-70bb-7a49-a6cd-77993e0475e4", Slug: "crime", Name: "Crime"},
	{ID: "01a1fcbc-70bb-7a4c-bc9c-b8c606fa8afd", Slug: "documentary", Name: "Documentary"},
	{ID: "01a1fcbc-70bb-7a4f-9de0-51c7be1597f5", Slug: "drama", Name: "Drama"},
	{ID: "01a1fcbc-70bb-7a52-bae3-c5d35d12b346", Slug: "family", Name: "Family"},
	{ID: "01a1fcbc-70bb-7a54-84d2-8ad7eabe48fd", Slug: "fantasy", Name: "Fantasy"},
	{ID: "01a1fcbc-70bb-7a58-baa4-ceb810bbb470", Slug: "history", Name: "History"},
	{ID: "01a1fcbc-70bb-7a5b-9da2-a5e9be22b7cd", Slug: "horror", Name: "Horror"},
	{ID: "01a1fcbc-70bb-7a5e-8c90-51dc51bed9b2", Slug: "music", Name: "Music"},
	{ID: "01a1fcbc-70bb-7a61-9be1-aa8c832d382a", Slug: "musical", Name: "Musical"},
	{ID: "01a1fcbc-70bb-7a63-b87b-ef97bfe8605b", Slug: "mystery", Name: "Mystery"},
	{ID: "01a1fcbc-70bb-7a66-81b8-b0a240250476", Slug: "romance", Name: "Romance"},
	{ID: "01a1fcbc-70bb-7a6a-8563-d6f9e0cec6d1", Slug: "romantic-comedy", Name: "Romantic Comedy"},
	{ID: "01a1fcbc-70bb-7a6d-83af-6b89c5053f3b", Slug: "science-fiction", Name: "Science Fiction"},
	{ID: "01a1fcbc-70bb-7a70-862d-8a49d9cadf40", Slug: "sport", Name: "Sport"},
	{ID: "01a1fcbc-70bb-7a72-9e64-350da233e8ea", Slug: "thriller-suspense", Name: "Thriller/Suspense"},
	{ID: "01a1fcbc-70bb-7a75-8ffa-4110f3d21005", Slug: "war", Name: "War"},
	{ID: "01a1fcbc-70bb-7a78-a716-2b7846aea30b", Slug: "western", Name: "Western"},
}
