#include "build/build_error.h"

#include <gtest/gtest.h>

namespace culprit::build {
namespace {

TEST(BuildError, FirstCompilerErrorWins) {
  EXPECT_EQ(first_build_error("cc -c a.c\n"
                              "a.c: In function 'main':\n"
                              "a.c:3:5: error: 'x' undeclared (first use in this function)\n"
                              "a.c:4:5: error: expected ';' before 'return'\n"
                              "make: *** [Makefile:2: a.o] Error 1\n"),
            "a.c:3:5: error: 'x' undeclared (first use in this function)");
}

TEST(BuildError, FatalErrorAndLinkerErrors) {
  EXPECT_EQ(first_build_error("a.c:1:10: fatal error: nope.h: No such file or directory\n"),
            "a.c:1:10: fatal error: nope.h: No such file or directory");
  // The undefined symbol says more than collect2's summary after it.
  EXPECT_EQ(first_build_error("/usr/bin/ld: /tmp/a.o: in function `main':\n"
                              "a.c:(.text+0x5): undefined reference to `missing'\n"
                              "collect2: error: ld returned 1 exit status\n"),
            "a.c:(.text+0x5): undefined reference to `missing'");
}

TEST(BuildError, AssemblerRustAndModpost) {
  EXPECT_EQ(
      first_build_error("a.s: Assembler messages:\na.s:2: Error: no such instruction: `bogus'\n"),
      "a.s:2: Error: no such instruction: `bogus'");
  EXPECT_EQ(first_build_error("   Compiling x v0.1.0\nerror[E0425]: cannot find value `y`\n"),
            "error[E0425]: cannot find value `y`");
  EXPECT_EQ(first_build_error("  MODPOST Module.symvers\nERROR: modpost: \"f\" undefined!\n"),
            "ERROR: modpost: \"f\" undefined!");
}

TEST(BuildError, MakeLineOnlyAsFallback) {
  EXPECT_EQ(first_build_error("doing things\n"
                              "make[1]: *** [sub.mk:3: all] Error 2\n"
                              "make: *** [Makefile:2: all] Error 2\n"
                              "trailing words\n"),
            "make[1]: *** [sub.mk:3: all] Error 2");
  EXPECT_EQ(first_build_error("make: *** No rule to make target 'x'.  Stop.\n"),
            "make: *** No rule to make target 'x'.  Stop.");
}

TEST(BuildError, LastNonEmptyLineTrimmed) {
  EXPECT_EQ(first_build_error("step 1\n  something went wrong  \r\n\n   \n"),
            "something went wrong");
  EXPECT_EQ(first_build_error(""), "");
}

}  // namespace
}  // namespace culprit::build
