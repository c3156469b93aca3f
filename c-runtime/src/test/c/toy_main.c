/* toy_main.c - what a generated demo/main.c looks like, for the toy model. */
#include "kiln_demo.h"
#include "toy_model.h"

int main(int argc, char **argv)
{
    return kiln_demo_main(&toy_model, argc, argv);
}
