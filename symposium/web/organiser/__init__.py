"""The organisers' pages. They call the other rooms' services and hold no rules of their own."""
