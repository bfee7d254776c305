"""The web server's own guards, in front of every page: security headers, the sign-in
cookie's lifetime, closed internal endpoints, and leadership downloads bound to the
sign-in that asked for them. `serve.py` puts them in front of the app."""
