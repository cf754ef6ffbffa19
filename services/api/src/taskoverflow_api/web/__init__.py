"""The web page for people: static HTML, CSS and JavaScript modules the API serves at / and /static/."""
