-- The fixed starting list of genres (catalog.Genres mirrors it; a test keeps
-- them equal). Ids are fixed UUIDv7 values shared by every installation.
-- Idempotent: a slug already present is left alone.
INSERT INTO genres (id, slug, name) VALUES
    ('01a1fcbc-70bb-798b-87c3-a3458c2f28cd', 'action', 'Action'),
    ('01a1fcbc-70bb-7a2f-a77d-5103e1a70c67', 'adventure', 'Adventure'),
    ('01a1fcbc-70bb-7a37-96c3-147a9d851ef0', 'animation', 'Animation'),
    ('01a1fcbc-70bb-7a3b-b72d-703f67760ab5', 'biography', 'Biography'),
    ('01a1fcbc-70bb-7a3f-99c6-322b5fa4ef70', 'black-comedy', 'Black Comedy'),
    ('01a1fcbc-70bb-7a42-997c-37c42f506e61', 'comedy', 'Comedy'),
    ('01a1fcbc-70bb-7a46-9b3a-2a02413f2193', 'concert-performance', 'Concert/Performance'),
    ('01a1fcbc-70bb-7a49-a6cd-77993e0475e4', 'crime', 'Crime'),
    ('01a1fcbc-70bb-7a4c-bc9c-b8c606fa8afd', 'documentary', 'Documentary'),
    ('01a1fcbc-70bb-7a4f-9de0-51c7be1597f5', 'drama', 'Drama'),
    ('01a1fcbc-70bb-7a52-bae3-c5d35d12b346', 'family', 'Family'),
    ('01a1fcbc-70bb-7a54-84d2-8ad7eabe48fd', 'fantasy', 'Fantasy'),
    ('01a1fcbc-70bb-7a58-baa4-ceb810bbb470', 'history', 'History'),
    ('01a1fcbc-70bb-7a5b-9da2-a5e9be22b7cd', 'horror', 'Horror'),
    ('01a1fcbc-70bb-7a5e-8c90-51dc51bed9b2', 'music', 'Music'),
    ('01a1fcbc-70bb-7a61-9be1-aa8c832d382a', 'musical', 'Musical'),
    ('01a1fcbc-70bb-7a63-b87b-ef97bfe8605b', 'mystery', 'Mystery'),
    ('01a1fcbc-70bb-7a66-81b8-b0a240250476', 'romance', 'Romance'),
    ('01a1fcbc-70bb-7a6a-8563-d6f9e0cec6d1', 'romantic-comedy', 'Romantic Comedy'),
    ('01a1fcbc-70bb-7a6d-83af-6b89c5053f3b', 'science-fiction', 'Science Fiction'),
    ('01a1fcbc-70bb-7a70-862d-8a49d9cadf40', 'sport', 'Sport'),
    ('01a1fcbc-70bb-7a72-9e64-350da233e8ea', 'thriller-suspense', 'Thriller/Suspense'),
    ('01a1fcbc-70bb-7a75-8ffa-4110f3d21005', 'war', 'War'),
    ('01a1fcbc-70bb-7a78-a716-2b7846aea30b', 'western', 'Western')
ON CONFLICT DO NOTHING;
