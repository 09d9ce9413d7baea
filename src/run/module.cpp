// module run
