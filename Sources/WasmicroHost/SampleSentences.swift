// The converter's built-in sample: varied sentences on which a converted model's embeddings are compared with the
// original's (quantization_report.json). Short and long, questions and lists, digits, code, names, and several
// languages, so that no single kind of text decides the reported cosine.

/// 36 sentences, fixed: the report must be reproducible.
public let sampleSentences: [String] = [
  "A man is eating food.",
  "A man is eating a piece of bread.",
  "The girl is carrying a baby.",
  "A man is riding a horse.",
  "A woman is playing violin.",
  "Two men pushed carts through the woods.",
  "How do I bake bread at home without yeast?",
  "What is the capital of Australia?",
  "The quarterly report shows revenue grew by 12.5% to $4.2 million.",
  "Call me at 555-0199 after 6 pm, or email support@example.com.",
  "Ingredients: 500 g flour, 350 ml water, 10 g salt, 2 g yeast.",
  "The mitochondria is the powerhouse of the cell.",
  "Quantum computers use qubits, which can be in superposition.",
  "Please reset your password using the link we sent you.",
  "Error: connection refused (port 8080) while starting the server.",
  "for (let i = 0; i < n; i++) { total += values[i]; }",
  "The stock market fell sharply after the announcement.",
  "She won the marathon despite the heavy rain.",
  "My flight was delayed by three hours and I missed the connection.",
  "This movie was absolutely wonderful, I loved every minute!",
  "Terrible service, the food was cold and the waiter was rude.",
  "The treaty was signed in Paris in 1783, ending the war.",
  "Photosynthesis converts light energy into chemical energy.",
  "Running shoes should be replaced every 500 to 800 kilometres.",
  "Hi",
  "ok",
  "Le chat dort sur le canapé depuis ce matin.",
  "¿Dónde está la estación de tren más cercana?",
  "Die Katze schläft seit heute Morgen auf dem Sofa.",
  "Москва — столица России.",
  "北京是中国的首都。",
  "東京は日本の首都です。",
  "서울은 한국의 수도입니다.",
  "Small language models can run inside a web browser without any server, which keeps user data on the device and "
    + "removes the cost of hosting an inference endpoint for every visitor who opens the page.",
  "Semantic search ranks documents by meaning rather than by shared keywords.",
  "The quick brown fox jumps over the lazy dog.",
]
