"""The faces: blueprints that parse a request, call one use case and answer."""
