/*
 * The words of an enum kept in an XX(NAME, "word") map (the pattern of
 * OM_REASON_MAP): one line defines the function that gives a value's word.
 */
#ifndef OM_CORE_WORDS_H
#define OM_CORE_WORDS_H

#define OM_WORD_OF(name, word) word,

/* const char *fn(type v): the word of v in map. */
#define OM_DEFINE_WORDS(fn, type, map)                                         \
  const char *fn(type v)                                                       \
  {                                                                            \
    static const char *const words[] = {map(OM_WORD_OF)};                     \
    return words[v];                                                           \
  }

#endif
