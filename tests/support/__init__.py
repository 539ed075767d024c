"""Support shared by the tests: graphs with known answers, GraphQL clients."""
