# Thin aliases for dev.sh, which holds the real commands (it also creates the virtual environment).
.PHONY: demo test bench browser-test

demo:
	bash dev.sh demo

test:
	bash dev.sh test

bench:
	bash dev.sh bench

browser-test:
	bash dev.sh browser-test
